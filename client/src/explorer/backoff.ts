/**
 * When to refresh a connection next. Pure.
 * - healthy: every `intervalMs` (0 = no auto-refresh);
 * - broker away: exponential backoff from max(interval, minMs), doubling per consecutive failure, capped.
 */
export interface ScheduleOptions {
  /** The configured refresh interval; 0 disables auto-refresh (and retries). */
  intervalMs: number;
  /** Consecutive failed refreshes (0 = the last one succeeded). */
  failures: number;
  /** Smallest first retry delay. */
  minMs?: number;
  /** Largest delay while the broker is away. */
  maxMs?: number;
  /** 0..1: random spread (multiplied by `random()`), to keep many windows from retrying in step. */
  jitter?: number;
  random?: () => number;
}

export const MIN_RETRY_MS = 2000;
export const MAX_RETRY_MS = 5 * 60_000;

/** Delay before the next refresh, or null for none. */
export function nextRefreshDelay(o: ScheduleOptions): number | null {
  if (!(o.intervalMs > 0)) return null;
  if (o.failures <= 0) return o.intervalMs;
  const min = o.minMs ?? MIN_RETRY_MS;
  const max = Math.max(o.maxMs ?? MAX_RETRY_MS, o.intervalMs);
  const base = Math.max(o.intervalMs, min);
  const exp = Math.min(o.failures - 1, 30);
  let d = Math.min(max, base * 2 ** exp);
  if (o.jitter && o.jitter > 0) d = Math.round(d * (1 - o.jitter * (o.random ?? Math.random)()));
  return d;
}

/** The first `n` delays after consecutive failures (for display and tests). */
export function backoffSchedule(intervalMs: number, n: number, minMs?: number, maxMs?: number): Array<number | null> {
  return Array.from({ length: n }, (_, i) => nextRefreshDelay({ intervalMs, failures: i + 1, minMs, maxMs }));
}

/** "retrying in 40 s" */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  return `${m} min`;
}
