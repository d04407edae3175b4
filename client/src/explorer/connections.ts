/**
 * Broker connections shown in the explorer: from the workspace configuration (the server's `celery/topology`)
 * and from the user's `celeryRouting.brokers` setting. Pure: no vscode, no I/O.
 *
 * Secrets: a connection's URL never carries a password here. Passwords live in SecretStorage under
 * `secretKey(def)`; a password written in the workspace's own config (`broker_url`) is passed through
 * `configPassword` only to connect. Everything displayed goes through `redactUrl`.
 */
import { parseBrokerUrl, redactUrl, type BrokerKind } from '../../../server/src/broker/url';
import type { ConfigBrokerUrl } from '../../../shared/protocol';

/** One entry of the `celeryRouting.brokers` setting. */
export interface UserBrokerSetting {
  name?: string;
  url: string;
  readOnly?: boolean;
  managementUrl?: string;
}

export interface ConnectionDef {
  id: string;
  /** Display name. */
  label: string;
  /** URL without a password (may carry the user name). */
  url: string;
  /** Always safe to show. */
  redacted: string;
  kind: BrokerKind | null;
  source: 'config' | 'user';
  /** App id for config connections. */
  app?: string;
  /** Read-only as configured (before runtime overrides). */
  readOnly: boolean;
  managementUrl?: string;
  /** Password found in the workspace config's URL (config connections only; never shown). */
  configPassword?: string | null;
  /** Why this URL cannot be used (unknown value, parse error). */
  problem?: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '[::1]', 'host.docker.internal']);

/** Is this a broker on the developer's own machine (where mutating actions default to allowed)? */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return LOCAL_HOSTS.has(h) || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Split a URL into (URL without password, password). Leaves unparsable text alone. */
export function stripPassword(url: string): { url: string; password: string | null } {
  const s = url.trim();
  const sep = s.indexOf('://');
  if (sep < 0) return { url: s, password: null };
  const rest = s.slice(sep + 3);
  const slash = rest.search(/[/?#]/);
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const at = authority.lastIndexOf('@');
  if (at < 0) return { url: s, password: null };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { url: s, password: null };
  const user = userinfo.slice(0, colon);
  let pw = userinfo.slice(colon + 1);
  try {
    pw = decodeURIComponent(pw);
  } catch {
    /* keep as written */
  }
  const without = s.slice(0, sep + 3) + (user ? `${user}@` : '') + authority.slice(at + 1) + (slash >= 0 ? rest.slice(slash) : '');
  return { url: without, password: pw || null };
}

/** Put a password (from SecretStorage) back into a password-less URL, for connecting only. */
export function withPassword(url: string, password: string | null | undefined): string {
  if (!password) return url;
  const sep = url.indexOf('://');
  if (sep < 0) return url;
  const rest = url.slice(sep + 3);
  const slash = rest.search(/[/?#]/);
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? authority.slice(0, at) : '';
  const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
  const scheme = url.slice(0, sep).toLowerCase();
  // redis://:password@host is how a password without a user is written.
  const u = user || (scheme.startsWith('redis') || scheme === 'socket' ? '' : 'guest');
  return url.slice(0, sep + 3) + `${u}:${encodeURIComponent(password)}@` + hostPart + (slash >= 0 ? rest.slice(slash) : '');
}

/** SecretStorage key of a connection's password: per password-less URL, so two views of one broker share it. */
export function secretKey(url: string): string {
  return `celeryRouting.password:${stripPassword(url).url}`;
}

function describe(url: string): { kind: BrokerKind | null; host: string | null; problem?: string } {
  try {
    const u = parseBrokerUrl(url);
    return { kind: u.kind, host: u.socketPath ? 'localhost' : u.host };
  } catch (e) {
    return { kind: null, host: null, problem: (e as Error).message };
  }
}

/** Default read-only state of a new connection: everything not on this machine starts read-only. */
export function defaultReadOnly(url: string): boolean {
  const d = describe(url);
  return d.host === null ? true : !isLocalHost(d.host);
}

/** Short label of a broker URL: `RabbitMQ localhost:5672 /` or `Redis cache:6379 db 1`. */
export function brokerTitle(url: string): string {
  try {
    const u = parseBrokerUrl(url);
    if (u.kind === 'redis') return u.socketPath ? `Redis ${u.socketPath} db ${u.db}` : `Redis ${u.host}:${u.port} db ${u.db}`;
    return `RabbitMQ ${u.host}:${u.port} ${u.vhost}`;
  } catch {
    return redactUrl(url);
  }
}

/** Build the connection list: config URLs first (per app, de-duplicated), then the user's. */
export function buildConnections(config: ConfigBrokerUrl[], user: UserBrokerSetting[]): ConnectionDef[] {
  const out: ConnectionDef[] = [];
  const seen = new Set<string>();
  for (const c of config) {
    if (!c.url) {
      const id = `config:${c.app}:unknown`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        id, label: `${c.app} (broker_url unknown)`, url: '', redacted: c.redacted ?? '', kind: null, source: 'config', app: c.app,
        readOnly: true, problem: c.unknown ?? 'broker_url could not be determined statically',
      });
      continue;
    }
    for (const one of c.url.split(';').map((s) => s.trim()).filter(Boolean).slice(0, 1)) {
      const { url, password } = stripPassword(one);
      const id = `config:${url}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const d = describe(url);
      out.push({
        id, label: brokerTitle(url), url, redacted: redactUrl(one), kind: d.kind, source: 'config', app: c.app,
        readOnly: defaultReadOnly(url), configPassword: password, problem: d.problem ?? (c.unknown ? `uncertain: ${c.unknown}` : undefined),
      });
    }
  }
  for (const s of user) {
    if (!s || typeof s.url !== 'string' || !s.url.trim()) continue;
    const { url } = stripPassword(s.url);
    const id = `user:${url}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const d = describe(url);
    out.push({
      id, label: s.name?.trim() || brokerTitle(url), url, redacted: redactUrl(s.url), kind: d.kind, source: 'user',
      readOnly: typeof s.readOnly === 'boolean' ? s.readOnly : defaultReadOnly(url),
      managementUrl: s.managementUrl ? stripPassword(s.managementUrl).url : undefined,
      problem: d.problem,
    });
  }
  return out;
}

/** Effective read-only state: a runtime override (Mark Read-only / Allow Changes) wins over the default. */
export function effectiveReadOnly(def: ConnectionDef, overrides: Record<string, boolean>): boolean {
  if (def.problem && !def.url) return true;
  return Object.prototype.hasOwnProperty.call(overrides, def.id) ? overrides[def.id] : def.readOnly;
}

/** The setting entry to store for a URL the user typed: no password, read-only unless local. */
export function userSettingFor(input: string, name?: string): { setting: UserBrokerSetting; password: string | null } {
  const { url, password } = stripPassword(input);
  const setting: UserBrokerSetting = { url, readOnly: defaultReadOnly(url) };
  if (name && name.trim()) setting.name = name.trim();
  return { setting, password };
}

/** Validate a URL typed into "Add Broker Connection"; returns a message or undefined. */
export function validateBrokerInput(input: string): string | undefined {
  if (!input.trim()) return 'Enter a broker URL, e.g. amqp://guest@localhost:5672// or redis://localhost:6379/0';
  const d = describe(stripPassword(input).url);
  return d.problem;
}
