// One picture of a broker for the explorer tree and for drift: vhosts → exchanges → bindings → queues.
// RabbitMQ: management API (or, if that is unavailable, passive AMQP checks of the names the config knows).
// Redis: kombu's lists, binding sets and unacked hash (one "vhost" = the db number).

import { BrokerError } from './errors';
import { typeHint } from './kombuRedis';
import { checkMany } from './rabbitmqAmqp';
import { RabbitManagementClient } from './rabbitmqManagement';
import { inspectRedis } from './redis';
import type { OperationOptions } from './types';
import { BrokerKind, BrokerUrl, parseBrokerUrl } from './url';

export interface BindingSnapshot {
  exchange: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
  arguments: Record<string, unknown>;
  /** Redis only: the stored regex ('' for direct/fanout rows). */
  pattern?: string;
}

export interface ExchangeSnapshot {
  name: string;
  /** null on Redis (not stored) or from passive checks. */
  type: string | null;
  /** Redis: what the binding rows suggest. */
  typeHint?: 'topic' | 'direct-or-fanout' | 'mixed' | null;
  durable: boolean | null;
  autoDelete: boolean | null;
  internal: boolean | null;
  arguments: Record<string, unknown>;
  /** Outgoing bindings. */
  bindings: BindingSnapshot[];
}

export interface QueueSnapshot {
  name: string;
  /** classic | quorum | stream; 'list' on Redis; null if unknown. */
  type: string | null;
  exists: boolean;
  durable: boolean | null;
  autoDelete: boolean | null;
  exclusive: boolean | null;
  arguments: Record<string, unknown>;
  state: string | null;
  messagesReady: number;
  /** null on Redis (the unacked hash is not per queue) and from passive checks. */
  messagesUnacknowledged: number | null;
  /** null on Redis (not observable). */
  consumers: number | null;
  rates: { publish: number | null; deliver: number | null; ack: number | null } | null;
  /** Redis: lengths of the list and its priority sub-lists ({'0': n, '3': n, …}). */
  priorityLengths?: Record<string, number>;
}

export interface VhostSnapshot {
  /** RabbitMQ vhost name; Redis db number as text. */
  name: string;
  exchanges: ExchangeSnapshot[];
  queues: QueueSnapshot[];
  /** Redis: size of kombu's `unacked` hash (all queues together). */
  unackedTotal: number | null;
}

export interface SnapshotCapabilities {
  exchangeTypes: boolean;
  bindings: boolean;
  consumers: boolean;
  queueArguments: boolean;
  /** Every queue on the broker is listed (not only the ones we asked about). */
  listsAllQueues: boolean;
}

export interface BrokerSnapshot {
  kind: BrokerKind;
  /** Redacted. */
  url: string;
  takenAt: string;
  server: { product: 'RabbitMQ' | 'Redis'; version: string };
  source: 'management-api' | 'amqp-passive' | 'redis' | 'definitions';
  capabilities: SnapshotCapabilities;
  /** The vhost (RabbitMQ) / db (Redis) of the URL — what drift compares against. */
  currentVhost: string;
  vhosts: VhostSnapshot[];
  warnings: string[];
}

export interface LoadSnapshotOptions extends OperationOptions {
  /** RabbitMQ: every vhost the user can see, not only the URL's. */
  allVhosts?: boolean;
  /** Names from the config: Redis lists vanish when empty; used for the AMQP fallback too. */
  knownQueues?: string[];
  knownExchanges?: string[];
  /** When the management API is unavailable, fall back to passive AMQP checks (default true). */
  fallbackToAmqp?: boolean;
}

export function findVhost(s: BrokerSnapshot, name = s.currentVhost): VhostSnapshot | undefined {
  return s.vhosts.find((v) => v.name === name);
}

export async function loadSnapshot(url: string | BrokerUrl, opts: LoadSnapshotOptions = {}): Promise<BrokerSnapshot> {
  const u = typeof url === 'string' ? parseBrokerUrl(url) : url;
  return u.kind === 'redis' ? loadRedis(u, opts) : loadRabbit(u, opts);
}

async function loadRabbit(u: BrokerUrl, opts: LoadSnapshotOptions): Promise<BrokerSnapshot> {
  const mgmt = new RabbitManagementClient(u, { timeoutMs: opts.timeoutMs, managementUrl: opts.managementUrl });
  let overview;
  try {
    overview = await mgmt.overview();
  } catch (e) {
    const fallback = opts.fallbackToAmqp !== false
      && e instanceof BrokerError
      && (e.code === 'management-unavailable' || e.code === 'unreachable' || e.code === 'timeout' || e.code === 'not-found');
    if (!fallback) throw e;
    return loadRabbitPassive(u, opts, `Management API unavailable (${e.message}); showing only the queues and exchanges the config names, checked over AMQP.`);
  }
  const names = opts.allVhosts ? await mgmt.vhosts() : [u.vhost];
  const vhosts: VhostSnapshot[] = [];
  for (const vh of names) {
    let ex, qs, bs;
    try {
      [ex, qs, bs] = await Promise.all([mgmt.exchanges(vh), mgmt.queues(vh), mgmt.bindings(vh)]);
    } catch (e) {
      if (e instanceof BrokerError && e.code === 'not-found') {
        throw new BrokerError('not-found', `Virtual host "${vh}" does not exist on ${u.redacted}.`, u.redacted);
      }
      throw e;
    }
    const exchanges: ExchangeSnapshot[] = ex.map((x) => ({
      name: x.name,
      type: x.type,
      durable: x.durable,
      autoDelete: x.autoDelete,
      internal: x.internal,
      arguments: x.arguments,
      bindings: bs
        .filter((b) => b.source === x.name)
        .map((b) => ({ exchange: b.source, destination: b.destination, destinationType: b.destinationType, routingKey: b.routingKey, arguments: b.arguments })),
    }));
    const queues: QueueSnapshot[] = qs.map((q) => ({
      name: q.name,
      type: q.type,
      exists: true,
      durable: q.durable,
      autoDelete: q.autoDelete,
      exclusive: q.exclusive,
      arguments: q.arguments,
      state: q.state,
      messagesReady: q.messagesReady,
      messagesUnacknowledged: q.messagesUnacknowledged,
      consumers: q.consumers,
      rates: q.rates,
    }));
    vhosts.push({ name: vh, exchanges, queues, unackedTotal: queues.reduce((a, q) => a + (q.messagesUnacknowledged ?? 0), 0) });
  }
  return {
    kind: 'rabbitmq',
    url: u.redacted,
    takenAt: new Date().toISOString(),
    server: { product: 'RabbitMQ', version: overview.rabbitmqVersion },
    source: 'management-api',
    capabilities: { exchangeTypes: true, bindings: true, consumers: true, queueArguments: true, listsAllQueues: true },
    currentVhost: u.vhost,
    vhosts,
    warnings: [],
  };
}

async function loadRabbitPassive(u: BrokerUrl, opts: LoadSnapshotOptions, warning: string): Promise<BrokerSnapshot> {
  const queuesAsked = [...new Set(opts.knownQueues ?? [])];
  const exAsked = [...new Set(opts.knownExchanges ?? [])].filter((x) => x !== '');
  const r = await checkMany(u, { queues: queuesAsked, exchanges: exAsked }, opts);
  const exchanges: ExchangeSnapshot[] = exAsked
    .filter((x) => r.exchanges.get(x))
    .map((name) => ({ name, type: null, durable: null, autoDelete: null, internal: null, arguments: {}, bindings: [] }));
  const queues: QueueSnapshot[] = queuesAsked
    .filter((q) => r.queues.get(q)?.exists)
    .map((name) => {
      const c = r.queues.get(name)!;
      return {
        name, type: null, exists: true, durable: null, autoDelete: null, exclusive: null, arguments: {}, state: null,
        messagesReady: c.messageCount, messagesUnacknowledged: null, consumers: c.consumerCount, rates: null,
      };
    });
  return {
    kind: 'rabbitmq',
    url: u.redacted,
    takenAt: new Date().toISOString(),
    server: { product: 'RabbitMQ', version: '' },
    source: 'amqp-passive',
    capabilities: { exchangeTypes: false, bindings: false, consumers: true, queueArguments: false, listsAllQueues: false },
    currentVhost: u.vhost,
    vhosts: [{ name: u.vhost, exchanges, queues, unackedTotal: null }],
    warnings: [warning],
  };
}

async function loadRedis(u: BrokerUrl, opts: LoadSnapshotOptions): Promise<BrokerSnapshot> {
  const r = await inspectRedis(u, { ...opts, knownQueues: opts.knownQueues });
  const bound = new Set(r.bindings.map((b) => b.queue));
  const exchanges: ExchangeSnapshot[] = r.exchanges.map((name) => {
    const rows = r.bindings.filter((b) => b.exchange === name);
    return {
      name,
      type: null,
      typeHint: typeHint(rows),
      durable: null,
      autoDelete: null,
      internal: null,
      arguments: {},
      bindings: rows.map((b) => ({ exchange: name, destination: b.queue, destinationType: 'queue' as const, routingKey: b.routingKey, arguments: {}, pattern: b.pattern })),
    };
  });
  const queues: QueueSnapshot[] = r.queues.map((q) => ({
    name: q.name,
    type: 'list',
    exists: q.length > 0 || bound.has(q.name),
    durable: null,
    autoDelete: null,
    exclusive: null,
    arguments: {},
    state: null,
    messagesReady: q.length,
    messagesUnacknowledged: null,
    consumers: null,
    rates: null,
    priorityLengths: q.priorityLengths,
  }));
  const warnings: string[] = [];
  if (!r.scanComplete) warnings.push('Too many list keys to scan them all; some queues may be missing from the view.');
  return {
    kind: 'redis',
    url: u.redacted,
    takenAt: new Date().toISOString(),
    server: { product: 'Redis', version: r.serverVersion },
    source: 'redis',
    capabilities: { exchangeTypes: false, bindings: true, consumers: false, queueArguments: false, listsAllQueues: r.scanComplete },
    currentVhost: String(r.db),
    vhosts: [{ name: String(r.db), exchanges, queues, unackedTotal: r.unacked }],
    warnings,
  };
}
