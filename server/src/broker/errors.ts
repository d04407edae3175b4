// One error type for everything the broker layer reports. Messages are meant for people (tree items,
// CLI output) and never contain a password: every message is scrubbed of the secrets it was built near.

export type BrokerErrorCode =
  | 'invalid-url'
  | 'unsupported'
  | 'auth' // wrong user name or password (401 / ACCESS_REFUSED at login / WRONGPASS)
  | 'access-refused' // logged in, but no permission on the vhost / resource
  | 'unreachable' // ECONNREFUSED, EHOSTUNREACH, DNS failure
  | 'timeout'
  | 'not-found' // 404: vhost, queue, exchange
  | 'precondition-failed' // 406: inequivalent arguments / exchange type
  | 'management-unavailable' // management plugin not enabled / not a management user
  | 'connection-lost'
  | 'protocol'
  | 'unknown';

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    /** Redacted address of what we talked to, if any. */
    readonly target?: string,
  ) {
    super(message);
  }
}

/** Replace every occurrence of each secret (raw and URL-encoded) with `***`. */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 3) continue; // very short secrets would mangle every message; URLs are redacted anyway
    const forms = new Set([s, encodeURIComponent(s), safeDecode(s)]);
    for (const f of forms) if (f && f.length > 0) out = out.split(f).join('***');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Node system error codes that mean "nothing answers there". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ENOENT']);

function errCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (e.cause) return errCode(e.cause);
  if (Array.isArray(e.errors) && e.errors.length) return errCode(e.errors[0]);
  return undefined;
}

function errMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (err.message === 'fetch failed' && cause) return errMessage(cause);
    if (err.message) return err.message;
    const agg = (err as { errors?: unknown }).errors;
    if (Array.isArray(agg) && agg.length) return errMessage(agg[0]);
    return err.name;
  }
  return String(err);
}

export interface ErrorContext {
  /** What we were doing, e.g. "connect to RabbitMQ". */
  action: string;
  /** Redacted target address. */
  target: string;
  secrets: ReadonlyArray<string | null | undefined>;
  timeoutMs?: number;
}

/** Turn anything thrown by net / fetch / amqplib / node-redis into a scrubbed BrokerError. */
export function toBrokerError(err: unknown, ctx: ErrorContext): BrokerError {
  if (err instanceof BrokerError) {
    return new BrokerError(err.code, scrub(err.message, ctx.secrets), err.target ?? ctx.target);
  }
  const code = errCode(err);
  const raw = scrub(errMessage(err), ctx.secrets);
  const where = ctx.target;
  const make = (c: BrokerErrorCode, msg: string) => new BrokerError(c, msg, where); // `raw` is scrubbed; `where` is redacted
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || /timed? ?out/i.test(raw)) {
    const t = ctx.timeoutMs ? ` after ${ctx.timeoutMs} ms` : '';
    return make('timeout', `Could not ${ctx.action} at ${where}: no answer${t} (timeout).`);
  }
  if (code === 'ECONNREFUSED') {
    return make('unreachable', `Could not ${ctx.action} at ${where}: connection refused (is the broker running and listening on that port?).`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return make('unreachable', `Could not ${ctx.action} at ${where}: host name not found.`);
  }
  if (raw === 'bad port') {
    return make('unreachable', `Could not ${ctx.action} at ${where}: that port is blocked for HTTP by the fetch standard.`);
  }
  if (code && UNREACHABLE.has(code)) {
    return make('unreachable', `Could not ${ctx.action} at ${where}: ${code} (${raw}).`);
  }
  if (/Frame size \d+ exceeds|Expected ConnectionStart|Unexpected frame|Unknown frame type|Invalid frame|wrong version number|Protocol error|ERR_SSL/i.test(raw)) {
    return make('protocol', `Could not ${ctx.action} at ${where}: the server there does not speak the expected protocol (wrong port, or TLS mismatch?) — ${raw}`);
  }
  if (/ACCESS[-_]REFUSED/.test(raw) && /login was refused|authentication/i.test(raw)) {
    return make('auth', `Could not ${ctx.action} at ${where}: login refused — wrong user name or password.`);
  }
  if (/WRONGPASS|invalid username-password|NOAUTH|AUTH.*without any password/i.test(raw)) {
    return make('auth', `Could not ${ctx.action} at ${where}: authentication failed — ${raw}`);
  }
  if (/ACCESS[-_]REFUSED|NOT_ALLOWED|403/.test(raw)) {
    return make('access-refused', `Could not ${ctx.action} at ${where}: access refused — ${raw}`);
  }
  if (/NOT[-_]FOUND|404/.test(raw)) return make('not-found', `Could not ${ctx.action} at ${where}: ${raw}`);
  if (/PRECONDITION[-_]FAILED|406/.test(raw)) return make('precondition-failed', `Could not ${ctx.action} at ${where}: ${raw}`);
  if (/Connection closed|socket closed|CONNECTION[-_]FORCED|Socket closed/i.test(raw)) {
    return make('connection-lost', `Lost the connection while trying to ${ctx.action} at ${where}: ${raw}`);
  }
  return make('unknown', `Could not ${ctx.action} at ${where}: ${raw}`);
}

/** Run `p` with a deadline; if it settles late, `onLate` receives its value (to close a late connection). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string, onLate?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      const e = new Error(`${what} timed out after ${ms} ms`);
      e.name = 'TimeoutError';
      reject(e);
    }, ms);
    p.then(
      (v) => {
        if (done) {
          onLate?.(v);
          return;
        }
        done = true;
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
