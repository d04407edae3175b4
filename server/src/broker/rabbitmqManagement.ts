// RabbitMQ management HTTP API client (read side + the few admin calls tests and `declare` need).
// Every request has a deadline (AbortSignal.timeout); errors become scrubbed BrokerErrors.

import { BrokerError, toBrokerError } from './errors';
import { BrokerUrl, managementCredentials, managementUrl, parseBrokerUrl, redactUrl } from './url';

export interface ManagementOptions {
  /** Per-request deadline, default 5000 ms. */
  timeoutMs?: number;
  /** Management API base URL (setting); default derived from the broker URL: http://host:15672. */
  managementUrl?: string;
}

export interface RabbitOverview {
  managementVersion: string;
  rabbitmqVersion: string;
  clusterName: string;
  node: string;
  totals: { messages: number; ready: number; unacknowledged: number };
}

export interface RabbitExchange {
  vhost: string;
  name: string;
  type: string;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
}

export interface RabbitQueue {
  vhost: string;
  name: string;
  /** classic | quorum | stream */
  type: string;
  durable: boolean;
  autoDelete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
  state: string | null;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
  rates: { publish: number | null; deliver: number | null; ack: number | null };
}

export interface RabbitBinding {
  vhost: string;
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
  arguments: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function rate(stats: unknown, key: string): number | null {
  if (!stats || typeof stats !== 'object') return null;
  const d = (stats as Json)[`${key}_details`];
  if (!d || typeof d !== 'object') return null;
  const r = (d as Json).rate;
  return typeof r === 'number' ? r : null;
}
function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export class RabbitManagementClient {
  readonly base: string;
  private readonly auth: string;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  readonly broker: BrokerUrl;

  constructor(url: BrokerUrl | string, opts: ManagementOptions = {}) {
    this.broker = typeof url === 'string' ? parseBrokerUrl(url) : url;
    this.base = managementUrl(this.broker, opts.managementUrl);
    const cred = managementCredentials(this.broker, opts.managementUrl);
    this.auth = 'Basic ' + Buffer.from(`${cred.username}:${cred.password}`).toString('base64');
    this.secrets = [cred.password, this.broker.password ?? ''].filter(Boolean);
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Redacted base URL for messages. */
  get target(): string {
    return redactUrl(this.base);
  }

  private async request(method: string, path: string, body?: unknown, okStatuses: number[] = []): Promise<unknown> {
    const url = this.base + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: this.auth, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw toBrokerError(e, { action: 'reach the RabbitMQ management API', target: this.target, secrets: this.secrets, timeoutMs: this.timeoutMs });
    }
    const text = await res.text().catch(() => '');
    if (res.ok || okStatuses.includes(res.status)) {
      if (!text) return null;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
    let reason = '';
    try {
      const j = JSON.parse(text) as Json;
      reason = String(j.reason ?? j.error ?? '');
    } catch {
      reason = text.slice(0, 200);
    }
    const where = `${this.target}${decodeURIComponent(path)}`;
    if (res.status === 401) {
      if (/not management user|not_authorised|not authorised/i.test(reason) && !/login failed/i.test(reason)) {
        throw new BrokerError('management-unavailable', `The RabbitMQ management API at ${this.target} refused the user: ${reason} (give the user the "management" or "monitoring" tag).`, this.target);
      }
      throw new BrokerError('auth', `RabbitMQ management API at ${this.target} rejected the credentials (401): wrong user name or password.`, this.target);
    }
    if (res.status === 403) throw new BrokerError('access-refused', `RabbitMQ management API refused ${method} ${where} (403): ${reason}`, this.target);
    if (res.status === 404) throw new BrokerError('not-found', `Not found (404): ${where}${reason ? ' — ' + reason : ''}`, this.target);
    throw new BrokerError('protocol', `RabbitMQ management API ${method} ${where} failed with HTTP ${res.status}: ${reason}`, this.target);
  }

  private get(path: string): Promise<unknown> {
    return this.request('GET', path);
  }

  private static v(vhost: string): string {
    return encodeURIComponent(vhost);
  }

  async overview(): Promise<RabbitOverview> {
    const j = obj(await this.get('/api/overview'));
    const qt = obj(j.queue_totals);
    return {
      managementVersion: String(j.management_version ?? ''),
      rabbitmqVersion: String(j.rabbitmq_version ?? ''),
      clusterName: String(j.cluster_name ?? ''),
      node: String(j.node ?? ''),
      totals: { messages: n(qt.messages), ready: n(qt.messages_ready), unacknowledged: n(qt.messages_unacknowledged) },
    };
  }

  async vhosts(): Promise<string[]> {
    const j = await this.get('/api/vhosts');
    return Array.isArray(j) ? j.map((v) => String(obj(v).name)) : [];
  }

  async exchanges(vhost: string): Promise<RabbitExchange[]> {
    const j = await this.get(`/api/exchanges/${RabbitManagementClient.v(vhost)}`);
    return (Array.isArray(j) ? j : []).map((x) => {
      const e = obj(x);
      return {
        vhost: String(e.vhost ?? vhost),
        name: String(e.name ?? ''),
        type: String(e.type ?? ''),
        durable: !!e.durable,
        autoDelete: !!e.auto_delete,
        internal: !!e.internal,
        arguments: obj(e.arguments),
      };
    });
  }

  async queues(vhost: string): Promise<RabbitQueue[]> {
    const j = await this.get(`/api/queues/${RabbitManagementClient.v(vhost)}`);
    return (Array.isArray(j) ? j : []).map((x) => RabbitManagementClient.toQueue(obj(x), vhost));
  }

  async queue(vhost: string, name: string): Promise<RabbitQueue> {
    const j = obj(await this.get(`/api/queues/${RabbitManagementClient.v(vhost)}/${encodeURIComponent(name)}`));
    return RabbitManagementClient.toQueue(j, vhost);
  }

  private static toQueue(q: Json, vhost: string): RabbitQueue {
    const args = obj(q.arguments);
    const stats = q.message_stats;
    return {
      vhost: String(q.vhost ?? vhost),
      name: String(q.name ?? ''),
      type: String(q.type ?? args['x-queue-type'] ?? 'classic'),
      durable: !!q.durable,
      autoDelete: !!q.auto_delete,
      exclusive: !!q.exclusive,
      arguments: args,
      state: typeof q.state === 'string' ? q.state : null,
      messages: n(q.messages),
      messagesReady: n(q.messages_ready),
      messagesUnacknowledged: n(q.messages_unacknowledged),
      consumers: n(q.consumers),
      rates: { publish: rate(stats, 'publish'), deliver: rate(stats, 'deliver_get'), ack: rate(stats, 'ack') },
    };
  }

  async bindings(vhost: string): Promise<RabbitBinding[]> {
    const j = await this.get(`/api/bindings/${RabbitManagementClient.v(vhost)}`);
    return (Array.isArray(j) ? j : []).map((x) => {
      const b = obj(x);
      return {
        vhost: String(b.vhost ?? vhost),
        source: String(b.source ?? ''),
        destination: String(b.destination ?? ''),
        destinationType: b.destination_type === 'exchange' ? 'exchange' : 'queue',
        routingKey: String(b.routing_key ?? ''),
        arguments: obj(b.arguments),
      };
    });
  }

  /** Create a vhost (idempotent). */
  async putVhost(name: string): Promise<void> {
    await this.request('PUT', `/api/vhosts/${RabbitManagementClient.v(name)}`, {}, [201, 204]);
  }

  async deleteVhost(name: string): Promise<void> {
    await this.request('DELETE', `/api/vhosts/${RabbitManagementClient.v(name)}`, undefined, [204, 404]);
  }

  async setPermissions(vhost: string, user: string, perms = { configure: '.*', write: '.*', read: '.*' }): Promise<void> {
    await this.request('PUT', `/api/permissions/${RabbitManagementClient.v(vhost)}/${encodeURIComponent(user)}`, perms, [201, 204]);
  }
}
