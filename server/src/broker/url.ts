// Broker URL parsing with kombu's semantics (kombu/utils/url.py): the path after the first `/` is the
// RabbitMQ vhost (percent-decoded, so `//` and `/%2F` both mean `/`) or the Redis db number.
// The password is kept only on the parsed object (to connect); `redacted` and every message hide it.

import { BrokerError } from './errors';

export type BrokerKind = 'rabbitmq' | 'redis';

export interface BrokerUrl {
  kind: BrokerKind;
  /** Scheme as written (lower-cased): amqp, amqps, pyamqp, librabbitmq, redis, rediss, redis+socket. */
  scheme: string;
  tls: boolean;
  host: string;
  port: number;
  username: string | null;
  /** Only for connecting. Never print it; use `redacted`. */
  password: string | null;
  /** RabbitMQ virtual host, decoded (default `/`). Empty for Redis. */
  vhost: string;
  /** Redis database number (default 0). 0 for RabbitMQ. */
  db: number;
  /** redis+socket:// path. */
  socketPath: string | null;
  query: Record<string, string>;
  /** The URL with the password replaced by `***`. */
  redacted: string;
  /** Celery failover lists (`url1;url2`): how many further URLs were ignored. */
  alternates: number;
}

const RABBIT_SCHEMES = new Set(['amqp', 'amqps', 'pyamqp', 'librabbitmq']);
const REDIS_SCHEMES = new Set(['redis', 'rediss', 'redis+socket', 'socket']);

export const DEFAULT_AMQP_PORT = 5672;
export const DEFAULT_AMQPS_PORT = 5671;
export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_MANAGEMENT_PORT = 15672;
export const DEFAULT_MANAGEMENT_TLS_PORT = 15671;

/** Hide the password of a URL-ish string, even one that does not parse. Never throws. */
export function redactUrl(url: string): string {
  let out = String(url ?? '');
  // Failover lists: redact each member.
  if (out.includes(';')) return out.split(';').map((u) => redactUrl(u.trim())).join(';');
  const sep = out.indexOf('://');
  if (sep >= 0) {
    const rest = out.slice(sep + 3);
    const at = rest.lastIndexOf('@'); // last @: passwords may contain an unencoded '@'
    if (at >= 0) {
      const userinfo = rest.slice(0, at);
      const colon = userinfo.indexOf(':');
      const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
      const masked = colon >= 0 ? `${user}:***` : user;
      out = out.slice(0, sep + 3) + masked + rest.slice(at);
    }
  }
  // Query-string secrets (e.g. ?password=…, sentinel_kwargs).
  out = out.replace(/([?&](?:password|passwd|pass|secret|token)=)[^&#]*/gi, '$1***');
  return out;
}

function schemeOf(url: string): string | null {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  return m ? m[1].toLowerCase() : null;
}

function dec(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parse a broker URL; throws BrokerError('invalid-url' | 'unsupported') with a redacted message. */
export function parseBrokerUrl(input: string): BrokerUrl {
  const all = String(input ?? '').trim();
  if (!all) throw new BrokerError('invalid-url', 'No broker URL given (expected amqp://… or redis://…).');
  const parts = all.split(';').map((s) => s.trim()).filter(Boolean);
  const url = parts[0];
  const red = redactUrl(url);
  const scheme = schemeOf(url);
  if (!scheme) throw new BrokerError('invalid-url', `Not a broker URL: ${red} (expected amqp://… or redis://…).`);
  if (scheme === 'sentinel') {
    throw new BrokerError(
      'unsupported',
      `Redis Sentinel URLs (sentinel://) are not supported: ${red}. Point the broker view at the current master with redis://host:port/db.`,
    );
  }
  if (!RABBIT_SCHEMES.has(scheme) && !REDIS_SCHEMES.has(scheme)) {
    throw new BrokerError(
      'unsupported',
      `Unsupported broker transport "${scheme}://" in ${red}: only RabbitMQ (amqp://, amqps://, pyamqp://, librabbitmq://) and Redis (redis://, rediss://, redis+socket://) are supported.`,
    );
  }
  const kind: BrokerKind = RABBIT_SCHEMES.has(scheme) ? 'rabbitmq' : 'redis';
  const schemeless = url.slice(scheme.length + 3);

  if (scheme === 'redis+socket' || scheme === 'socket') {
    const [pathPart, qs = ''] = schemeless.split('?');
    const query = Object.fromEntries(new URLSearchParams(qs));
    const dbText = query.virtual_host ?? query.db ?? '0';
    const db = parseDb(dbText, red);
    // userinfo is unusual here but allowed: redis+socket://:pass@/path
    let path = pathPart;
    let password: string | null = null;
    let username: string | null = null;
    const at = path.lastIndexOf('@');
    if (at >= 0) {
      const ui = path.slice(0, at);
      path = path.slice(at + 1);
      const c = ui.indexOf(':');
      username = dec(c >= 0 ? ui.slice(0, c) : ui) || null;
      password = c >= 0 ? dec(ui.slice(c + 1)) || null : null;
    }
    if (!path.startsWith('/')) throw new BrokerError('invalid-url', `redis+socket URL needs an absolute socket path: ${red}`);
    return {
      kind, scheme, tls: false, host: 'localhost', port: 0, username, password, vhost: '', db,
      socketPath: dec(path), query, redacted: red, alternates: parts.length - 1,
    };
  }

  let parsed: URL;
  try {
    parsed = new URL('http://' + schemeless);
  } catch {
    throw new BrokerError('invalid-url', `Cannot parse broker URL: ${red}`);
  }
  const query = Object.fromEntries(parsed.searchParams);
  const host = dec(parsed.hostname || '') || 'localhost';
  const sslQuery = /^(1|true|yes|on|required)$/i.test(query.ssl ?? query.ssl_cert_reqs ?? '');
  const tls = scheme === 'amqps' || scheme === 'rediss' || sslQuery;
  const portDefault = kind === 'rabbitmq' ? (tls ? DEFAULT_AMQPS_PORT : DEFAULT_AMQP_PORT) : DEFAULT_REDIS_PORT;
  const port = parsed.port ? Number(parsed.port) : portDefault;
  let username = dec(parsed.username) || null;
  let password = dec(parsed.password) || null;
  // kombu: path minus one leading slash, unquoted.
  let path = parsed.pathname || '';
  if (path.startsWith('/')) path = path.slice(1);
  path = dec(path);
  let vhost = '';
  let db = 0;
  if (kind === 'rabbitmq') {
    vhost = path || query.virtual_host || '/';
    // kombu/py-amqp default credentials
    if (username === null && password === null) {
      username = 'guest';
      password = 'guest';
    }
  } else {
    db = parseDb(path || query.virtual_host || query.db || '0', red);
  }
  return {
    kind, scheme, tls, host: host.replace(/^\[|\]$/g, ''), port, username, password, vhost, db, socketPath: null,
    query, redacted: red, alternates: parts.length - 1,
  };
}

function parseDb(text: string, red: string): number {
  const t = text.replace(/^\//, '').trim();
  if (t === '') return 0;
  if (!/^\d+$/.test(t)) throw new BrokerError('invalid-url', `Redis database must be a number, got "${t}" in ${red}`);
  return Number(t);
}

/** Format a host for a URL (IPv6 in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Base URL of the RabbitMQ management API: http://host:15672 (https://host:15671 for amqps).
 * `override` (a setting) wins; its own credentials, if any, are not returned here — see managementCredentials.
 */
export function managementUrl(u: BrokerUrl, override?: string): string {
  if (override) {
    const o = new URL(override);
    o.username = '';
    o.password = '';
    return o.toString().replace(/\/+$/, '');
  }
  if (u.kind !== 'rabbitmq') throw new BrokerError('unsupported', `No management API for ${u.redacted} (not RabbitMQ).`);
  return u.tls ? `https://${hostForUrl(u.host)}:${DEFAULT_MANAGEMENT_TLS_PORT}` : `http://${hostForUrl(u.host)}:${DEFAULT_MANAGEMENT_PORT}`;
}

/** Credentials for the management API: the override URL's own, else the broker URL's. */
export function managementCredentials(u: BrokerUrl, override?: string): { username: string; password: string } {
  if (override) {
    const o = new URL(override);
    if (o.username) return { username: dec(o.username), password: dec(o.password) };
  }
  return { username: u.username ?? 'guest', password: u.password ?? '' };
}

/** Display form of a vhost for messages (`/` stays `/`). */
export function vhostLabel(vhost: string): string {
  return vhost === '' ? '/' : vhost;
}

/** Build a broker URL string (used by tests and by the CLI to switch vhost / db). */
export function formatBrokerUrl(u: BrokerUrl, opts: { vhost?: string; db?: number } = {}): string {
  const auth = u.username || u.password
    ? `${encodeURIComponent(u.username ?? '')}${u.password ? ':' + encodeURIComponent(u.password) : ''}@`
    : '';
  if (u.kind === 'rabbitmq') {
    const v = opts.vhost ?? u.vhost;
    const path = v === '/' ? '/' : encodeURIComponent(v);
    return `${u.scheme}://${auth}${hostForUrl(u.host)}:${u.port}/${path}`;
  }
  if (u.socketPath) return `${u.scheme}://${auth}${u.socketPath}?virtual_host=${opts.db ?? u.db}`;
  return `${u.scheme}://${auth}${hostForUrl(u.host)}:${u.port}/${opts.db ?? u.db}`;
}
