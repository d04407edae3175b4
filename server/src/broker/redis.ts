// Inspecting and operating a kombu Redis broker (see kombuRedis.ts for the key layout).
// One short-lived client per call: connect deadline, no auto-reconnect, offline queue off, always destroyed.

import { createClient } from 'redis';
import { decodeKombuEnvelope, encodeCeleryTask, encodeKombuEnvelope } from './celeryMessage';
import { BrokerError, toBrokerError, withDeadline } from './errors';
import {
  BINDING_PREFIX, BindingRow, bindingKey, fanoutChannel, formatBindingRow, listForPriority, lookupQueues,
  parseBindingRow, queueLists, rowFor, splitPriorityList, UNACKED_INDEX_KEY, UNACKED_KEY,
} from './kombuRedis';
import type { DeclareAction, DeclarePlan, DeclareResult, OperationOptions, PeekResult, PublishRequest, PublishResult } from './types';
import { BrokerUrl, parseBrokerUrl } from './url';

export const DEFAULT_REDIS_TIMEOUT_MS = 5000;
const MAX_PEEK = 200;
const MAX_SCAN_KEYS = 5000;

function makeClient(options: Parameters<typeof createClient>[0]) {
  return createClient(options);
}
type Client = ReturnType<typeof makeClient>;

function broker(url: BrokerUrl | string): BrokerUrl {
  const u = typeof url === 'string' ? parseBrokerUrl(url) : url;
  if (u.kind !== 'redis') throw new BrokerError('unsupported', `${u.redacted} is not a Redis URL.`);
  return u;
}

function redisError(e: unknown, u: BrokerUrl, action: string, timeoutMs: number): BrokerError {
  return toBrokerError(e, { action, target: u.redacted, secrets: [u.password], timeoutMs });
}

/** Open a client with a connect deadline and no reconnect loop. */
export async function openRedis(url: BrokerUrl | string, opts: OperationOptions = {}): Promise<Client> {
  const u = broker(url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const socket = u.socketPath
    ? { path: u.socketPath, connectTimeout: timeoutMs, reconnectStrategy: false as const }
    : u.tls
      ? { host: u.host, port: u.port, tls: true as const, servername: u.host, connectTimeout: timeoutMs, reconnectStrategy: false as const }
      : { host: u.host, port: u.port, connectTimeout: timeoutMs, reconnectStrategy: false as const };
  const client = makeClient({
    socket,
    username: u.username ?? undefined,
    password: u.password ?? undefined,
    database: u.db,
    disableOfflineQueue: true,
  });
  client.on('error', () => undefined);
  try {
    await withDeadline(client.connect(), timeoutMs, 'Redis connect', () => client.destroy());
    return client;
  } catch (e) {
    try {
      client.destroy();
    } catch {
      /* already closed */
    }
    throw redisError(e, u, 'connect to Redis', timeoutMs);
  }
}

/**
 * Open, run with a deadline, always destroy. `ifCutOff`: for a change, what to tell when the connection is lost
 * (or times out) after the commands were sent — Redis may or may not have applied them, so a blind retry could
 * do it twice. (A failure to connect needs no such note: nothing was sent.)
 */
export async function withRedis<T>(
  url: BrokerUrl | string, opts: OperationOptions, action: string, fn: (c: Client, u: BrokerUrl) => Promise<T>, ifCutOff?: string,
): Promise<T> {
  const u = broker(url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const client = await openRedis(u, opts);
  try {
    return await withDeadline(fn(client, u), timeoutMs * 2, action);
  } catch (e) {
    const err = redisError(e, u, action, timeoutMs);
    if (ifCutOff && (err.code === 'connection-lost' || err.code === 'timeout' || err.code === 'unreachable')) {
      throw new BrokerError(err.code, `${err.message.replace(/\.?$/, '.')} ${ifCutOff}`, err.target);
    }
    throw err;
  } finally {
    try {
      client.destroy();
    } catch {
      /* ignore */
    }
  }
}

export interface RedisQueueInfo {
  name: string;
  /** Total over the list and its priority sub-lists. */
  length: number;
  /** Per list step: { '0': n, '3': n, '6': n, '9': n } (only non-empty steps). */
  priorityLengths: Record<string, number>;
  /** How we know about it. */
  sources: Array<'binding' | 'config' | 'list'>;
}

export interface RedisInspection {
  db: number;
  serverVersion: string;
  queues: RedisQueueInfo[];
  bindings: BindingRow[];
  /** Exchanges that have a binding set. */
  exchanges: string[];
  /** Messages delivered to workers and not yet acknowledged (kombu's `unacked` hash; not per queue). */
  unacked: number;
  unackedIndex: number;
  /** List keys were scanned (false if the scan hit its cap). */
  scanComplete: boolean;
}

export interface InspectOptions extends OperationOptions {
  /** Queue names from the config (lists do not exist while empty). */
  knownQueues?: string[];
  /** Also SCAN for list keys (default true). */
  scanLists?: boolean;
}

async function scanKeys(c: Client, match: string, type?: string): Promise<{ keys: string[]; complete: boolean }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const r = await c.scan(cursor, { MATCH: match, COUNT: 500, ...(type ? { TYPE: type } : {}) });
    cursor = String(r.cursor);
    for (const k of r.keys) keys.push(String(k));
    if (keys.length >= MAX_SCAN_KEYS) return { keys, complete: false };
  } while (cursor !== '0');
  return { keys, complete: true };
}

async function queueInfo(c: Client, name: string): Promise<{ length: number; priorityLengths: Record<string, number> }> {
  const lists = queueLists(name);
  const lens = await Promise.all(lists.map((l) => c.lLen(l)));
  const priorityLengths: Record<string, number> = {};
  let length = 0;
  lens.forEach((n, i) => {
    const v = Number(n);
    length += v;
    if (v) priorityLengths[String([0, 3, 6, 9][i])] = v;
  });
  return { length, priorityLengths };
}

async function readBindings(c: Client): Promise<{ rows: BindingRow[]; exchanges: string[] }> {
  const { keys } = await scanKeys(c, `${BINDING_PREFIX}*`);
  const rows: BindingRow[] = [];
  const exchanges: string[] = [];
  for (const k of keys.sort()) {
    const exchange = k.slice(BINDING_PREFIX.length);
    exchanges.push(exchange);
    const members = await c.sMembers(k);
    for (const m of members) rows.push(parseBindingRow(exchange, String(m)));
  }
  return { rows, exchanges };
}

/** Queues (with lengths incl. priority sub-lists), the bindings table, and the unacked count. */
export async function inspectRedis(url: BrokerUrl | string, opts: InspectOptions = {}): Promise<RedisInspection> {
  return withRedis(url, opts, 'inspect Redis', async (c, u) => {
    const info = String(await c.info('server'));
    const serverVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '';
    const { rows, exchanges } = await readBindings(c);
    const sources = new Map<string, Set<'binding' | 'config' | 'list'>>();
    const add = (q: string, s: 'binding' | 'config' | 'list') => {
      if (!q) return;
      if (!sources.has(q)) sources.set(q, new Set());
      sources.get(q)!.add(s);
    };
    for (const r of rows) add(r.queue, 'binding');
    for (const q of opts.knownQueues ?? []) add(q, 'config');
    let scanComplete = true;
    if (opts.scanLists !== false) {
      const s = await scanKeys(c, '*', 'list');
      scanComplete = s.complete;
      for (const k of s.keys) {
        const p = splitPriorityList(k);
        add(p ? p.queue : k, 'list');
      }
    }
    const queues: RedisQueueInfo[] = [];
    for (const [name, src] of [...sources].sort((a, b) => a[0].localeCompare(b[0]))) {
      const qi = await queueInfo(c, name);
      queues.push({ name, ...qi, sources: [...src] });
    }
    const unacked = Number(await c.hLen(UNACKED_KEY));
    const unackedIndex = Number(await c.zCard(UNACKED_INDEX_KEY));
    return { db: u.db, serverVersion, queues, bindings: rows, exchanges, unacked, unackedIndex, scanComplete };
  });
}

/** Read up to `count` messages without removing them, in the order workers would take them. */
export async function peekRedis(url: BrokerUrl | string, queue: string, count = 10, opts: OperationOptions = {}): Promise<PeekResult> {
  const limit = Math.max(0, Math.min(count, MAX_PEEK));
  return withRedis(url, opts, `peek queue "${queue}"`, async (c) => {
    const before = (await queueInfo(c, queue)).length;
    const items: string[] = [];
    for (const list of queueLists(queue)) {
      if (items.length >= limit) break;
      const need = limit - items.length;
      // Workers RPOP/BRPOP: the tail is next. LRANGE -need -1 then reverse.
      const part = (await c.lRange(list, -need, -1)).map(String).reverse();
      items.push(...part);
    }
    const after = (await queueInfo(c, queue)).length;
    return {
      queue,
      messages: items.map((i) => decodeKombuEnvelope(i)),
      countBefore: before,
      countAfter: after,
      notes: before === 0 ? ['The list is empty (Redis lists vanish when empty).'] : [],
    };
  });
}

/**
 * Publish like kombu: the default exchange ('') pushes to the list named by the routing key; otherwise the
 * bindings table decides (topic rows by regex, direct by key); fanout is PUB/SUB and only reaches live
 * subscribers. `exchangeType` is what the producer knows; without it kombu treats the exchange as direct.
 */
export async function publishRedis(url: BrokerUrl | string, req: PublishRequest, opts: OperationOptions = {}): Promise<PublishResult> {
  const enc = encodeCeleryTask(req);
  return withRedis(url, opts, `publish to exchange "${req.exchange}"`, async (c, u) => {
    const envelope = encodeKombuEnvelope(enc, req.exchange, req.routingKey);
    const exLabel = req.exchange === '' ? 'the default exchange' : `exchange "${req.exchange}"`;
    const base = { id: enc.id, exchange: req.exchange, routingKey: req.routingKey };
    if (req.exchange !== '' && req.exchangeType === 'fanout') {
      const receivers = Number(await c.publish(fanoutChannel(u.db, req.exchange, req.routingKey), envelope));
      return {
        ...base, routed: receivers > 0, queues: [],
        message: receivers > 0
          ? `Broadcast task ${req.task} [${enc.id}] over PUB/SUB on ${exLabel} to ${receivers} subscriber(s).`
          : `Unroutable: ${exLabel} is fanout (Redis PUB/SUB) and nobody is subscribed — the message is gone.`,
      };
    }
    if (req.exchangeType === 'headers') {
      throw new BrokerError('unsupported', `Headers exchanges are not supported by kombu's Redis transport (KeyError: 'headers').`, u.redacted);
    }
    let queues: string[];
    if (req.exchange === '') queues = [req.routingKey];
    else {
      const members = await c.sMembers(bindingKey(req.exchange));
      const rows = members.map((m) => parseBindingRow(req.exchange, String(m)));
      queues = lookupQueues(req.exchangeType ?? 'direct', rows, req.routingKey);
    }
    if (!queues.length) {
      return {
        ...base, routed: false, queues: [],
        message: `Unroutable: no binding row of ${exLabel} matches routing key "${req.routingKey}" — kombu would drop the message silently.`,
      };
    }
    for (const q of queues) await c.lPush(listForPriority(q, enc.priority), envelope);
    return {
      ...base, routed: true, queues,
      message: `Published task ${req.task} [${enc.id}] via ${exLabel} (routing key "${req.routingKey}") to ${queues.map((q) => `"${q}"`).join(', ')}.`,
    };
  }, `The message [${enc.id}] may or may not have been published: peek the queue before publishing again.`);
}

/** Delete the list and its priority sub-lists; returns how many messages they held. */
export async function purgeRedis(url: BrokerUrl | string, queue: string, opts: OperationOptions = {}): Promise<number> {
  return withRedis(url, opts, `purge queue "${queue}"`, async (c) => {
    const multi = c.multi();
    for (const l of queueLists(queue)) multi.lLen(l).del(l);
    const replies = (await multi.exec()) as unknown[];
    let n = 0;
    for (let i = 0; i < replies.length; i += 2) n += Number(replies[i]) || 0;
    return n;
  }, 'The purge may or may not have happened (it is all or nothing): refresh to see the queue\'s length.');
}

/**
 * What a worker's start-up declares on Redis: binding rows (SADD, idempotent). Exchanges and queues have no
 * stored form (lists appear with their first message), so they are reported as 'skipped' with a reason.
 */
export async function declareRedis(url: BrokerUrl | string, plan: DeclarePlan, opts: OperationOptions = {}): Promise<DeclareResult> {
  return withRedis(url, opts, 'declare the plan', async (c) => {
    const actions: DeclareAction[] = [];
    const types = new Map(plan.exchanges.map((x) => [x.name, x.type]));
    for (const x of plan.exchanges) {
      actions.push(x.type === 'headers'
        ? { kind: 'exchange', name: x.name, status: 'failed', detail: "headers exchanges are not supported by kombu's Redis transport" }
        : { kind: 'exchange', name: x.name, status: 'skipped', detail: 'Redis stores no exchange objects (types live in each connection)' });
    }
    for (const q of plan.queues) actions.push({ kind: 'queue', name: q.name, status: 'skipped', detail: 'Redis lists are created by the first message' });
    for (const b of plan.bindings) {
      const name = `${b.exchange} → ${b.queue} (${b.routingKey})`;
      if (b.exchange === '') continue;
      const type = types.get(b.exchange) ?? 'direct';
      if (type === 'headers') {
        actions.push({ kind: 'binding', name, status: 'skipped', detail: 'headers exchange' });
        continue;
      }
      const added = Number(await c.sAdd(bindingKey(b.exchange), formatBindingRow(rowFor(type, b.routingKey, b.queue))));
      actions.push({ kind: 'binding', name, status: added ? 'created' : 'exists' });
    }
    return { actions, ok: actions.every((a) => a.status !== 'failed') };
  });
}
