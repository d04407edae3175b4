// Bounded retry with exponential backoff, for reconnecting a tap or a refresh after a broker restart.

export interface RetryOptions {
  attempts?: number; // default 8
  initialMs?: number; // default 500
  maxMs?: number; // default 10000
  signal?: AbortSignal;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

export function backoffDelay(attempt: number, initialMs = 500, maxMs = 10000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const attempts = o.attempts ?? 8;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
    try {
      return await fn(i);
    } catch (e) {
      last = e;
      if (i === attempts) break;
      const d = backoffDelay(i, o.initialMs, o.maxMs);
      o.onRetry?.(i, d, e);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, d);
        o.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(o.signal?.reason ?? new Error('aborted'));
        }, { once: true });
      });
    }
  }
  throw last;
}
