/**
 * Redis delivery model: kombu 5.2.4 virtual transport (kombu/transport/virtual/base.py,
 * virtual/exchange.py, transport/redis.py). Differences from RabbitMQ that matter:
 *  - exchange types live in each connection's memory (virtual/base.py:683-689): a producer only
 *    knows the exchanges it declared for this send; any other exchange routes as direct;
 *  - topic keys become regexes (exchange.py:84-112): `*` → `.*?[^\.]`, `#` → `.*?`;
 *  - fanout = PUB/SUB (redis.py:1014-1020): nothing stored;
 *  - no 404/406: unknown exchanges drop silently; headers exchanges → KeyError: 'headers'.
 */
import { declareKey } from './amqp';
import type { Declarer, ExpandedQueues, XExchange, XQueue } from './queues';
import { declaredExchange } from './queues';
import { keyError, pyRepr } from './pyutil';

const SEP = '\x06\x16';
const PRIORITY_STEPS = [0, 3, 6, 9];
const TYPES = new Set(['direct', 'topic', 'fanout']);

/** redis.py:997-1012: priority 0-2 → `q`, 3-5 → `q\x06\x163`, 6-8 → `…6`, 9+ → `…9`. */
export function redisListName(queue: string, priority: number | null | undefined): string {
  let p = typeof priority === 'number' && Number.isFinite(priority) ? Math.trunc(priority) : 0;
  p = Math.max(0, Math.min(9, p)); // _get_message_priority clamps to 0..9 (virtual/base.py:823-840)
  let step = 0;
  for (const s of PRIORITY_STEPS) if (s <= p) step = s;
  return step ? `${queue}${SEP}${step}` : queue;
}

/** The PUB/SUB channel of a fanout publish (redis.py:860-863), db 0 unless told. */
export function redisFanoutChannel(exchange: string, routingKey: string | null, db = 0): string {
  return routingKey ? `/${db}.${exchange}/${routingKey}` : `/${db}.${exchange}`;
}

/** kombu.utils.text.escape_regex(p, '.#*'): every non-alphanumeric char but . # * is escaped. */
function escapeRegex(p: string): string {
  let out = '';
  for (const c of p) out += /[\p{L}\p{N}]/u.test(c) || c === '.' || c === '#' || c === '*' ? c : c === '\0' ? '\\000' : '\\' + c;
  return out;
}

/** TopicExchange.key_to_pattern (exchange.py:107-112), the regex stored in the binding row. */
export function redisTopicPattern(bindingKey: string): string {
  return `^${escapeRegex(bindingKey).split('.').map((w) => (w === '*' ? '.*?[^\\.]' : w === '#' ? '.*?' : w)).join('\\.')}$`;
}

const reCache = new Map<string, RegExp | null>();
/** `re.match(pattern, key)` as kombu does for topic lookups (an empty pattern matches every key). */
export function redisTopicMatch(pattern: string, key: string): boolean {
  let re = reCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern.startsWith('^') ? pattern : `^(?:${pattern})`);
    } catch {
      re = null;
    }
    reCache.set(pattern, re);
  }
  return re ? re.test(key) : false;
}

/** A row of the `_kombu.binding.<exchange>` set: `rk\x06\x16regex\x06\x16queue`. */
export interface RedisRow { routingKey: string; pattern: string; queue: string }

export interface RedisState {
  /** Shared in Redis: binding sets per exchange. */
  tables: Map<string, RedisRow[]>;
  /** Fanout-bound queues → (exchange, subscribe key) (redis.py:1026-1031). */
  fanoutQueues: Map<string, { exchange: string; routingKey: string }>;
  errors: { queue: string; error: string }[];
  /** A producer's view of the worker's state: maps and rows are the worker's until it adds one (most declares add
   *  nothing the worker did not), then copied — the maps once, a table's rows at each addition. */
  borrowed?: { tables: boolean; fanout: boolean };
}

interface Conn { types: Map<string, XExchange>; bound: Set<string> }

function addRow(s: RedisState, exchange: string, row: RedisRow): void {
  const t = s.tables.get(exchange);
  if (t?.some((r) => r.routingKey === row.routingKey && r.pattern === row.pattern && r.queue === row.queue)) return;
  if (!s.borrowed) { if (t) t.push(row); else s.tables.set(exchange, [row]); return; }
  if (s.borrowed.tables) { s.tables = new Map(s.tables); s.borrowed.tables = false; }
  s.tables.set(exchange, [...(t ?? []), row]);
}

function setFanout(s: RedisState, queue: string, v: { exchange: string; routingKey: string }): void {
  const prev = s.fanoutQueues.get(queue);
  if (prev && prev.exchange === v.exchange && prev.routingKey === v.routingKey) return;
  if (s.borrowed?.fanout) { s.fanoutQueues = new Map(s.fanoutQueues); s.borrowed.fanout = false; }
  s.fanoutQueues.set(queue, v);
}

function exchangeDeclare(c: Conn, ex: XExchange | null): void {
  if (!ex || !ex.name || ex.name.startsWith('amq.')) return;
  const prev = c.types.get(ex.name);
  // virtual/base.py:490-504: redeclaring with another type on the same connection raises;
  // a headers type is unknown to typeof() → KeyError → silently overwritten
  if (prev && TYPES.has(prev.type) && (prev.type !== ex.type || prev.durable !== ex.durable || prev.autoDelete !== ex.autoDelete)) {
    throw new Error(`NotEquivalentError: Cannot redeclare exchange ${pyRepr(ex.name)} in vhost '/' with different type, durable, autodelete or arguments value.`);
  }
  if (!prev || !TYPES.has(prev.type)) c.types.set(ex.name, ex);
}

function queueBind(s: RedisState, c: Conn, queue: string, exchange: string, rk: string): void {
  const id = `${queue}${SEP}${exchange}${SEP}${rk}`;
  if (c.bound.has(id)) return;
  const ex = c.types.get(exchange);
  if (!ex) throw new Error(keyError(exchange)); // state.exchanges[exchange] (virtual/base.py:556)
  if (!TYPES.has(ex.type)) throw new Error(keyError(ex.type)); // exchange_types['headers']
  c.bound.add(id);
  addRow(s, exchange, { routingKey: rk, pattern: ex.type === 'topic' ? redisTopicPattern(rk) : '', queue });
  if (ex.type === 'fanout') setFanout(s, queue, { exchange, routingKey: rk.replace(/#/g, '*') });
}

function declareQueue(s: RedisState, c: Conn, q: XQueue, by: Declarer): void {
  if (q.noDeclare) return;
  const ex = declaredExchange(q, by);
  exchangeDeclare(c, ex);
  if (ex && ex.name) queueBind(s, c, q.name, ex.name, q.routingKey ?? '');
  for (const b of q.bindings) {
    if (b.exchange && b.exchange.name) {
      exchangeDeclare(c, b.exchange);
      queueBind(s, c, q.name, b.exchange.name, b.routingKey);
    }
  }
}

const cache = new WeakMap<ExpandedQueues, RedisState>();

/** Redis after a worker (one connection, kept open) declared every queue of app.amqp.queues. */
export function redisWorkerState(eq: ExpandedQueues): RedisState {
  let s = cache.get(eq);
  if (s) return s;
  s = { tables: new Map(), fanoutQueues: new Map(), errors: [] };
  const c: Conn = { types: new Map(), bound: new Set() };
  for (const q of eq.list) {
    try {
      declareQueue(s, c, q, 'worker');
    } catch (e) {
      s.errors.push({ queue: q.display, error: (e as Error).message });
    }
  }
  cache.set(eq, s);
  return s;
}

export interface RedisDelivery {
  /** Queue names whose list got the message. */
  queues: string[];
  /** List keys LPUSHed (priority sub-lists). */
  lists: string[];
  /** PUB/SUB channels (fanout); `fanoutQueues` are the bound queues whose consumers get it live. */
  pubsub: string[];
  fanoutQueues: string[];
  /** Exception the send raises on Redis. */
  error: string | null;
  exchangeType: string;
}

const globToRe = (g: string): RegExp => new RegExp(`^${g.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** One send on a fresh producer connection: declare the `declare` list, then basic_publish. */
const producerCache = new WeakMap<RedisState, Map<string, { s: RedisState; c: Conn; error: string | null }>>();

/** The worker's state plus this producer connection's declares — memoised per declare list. */
function producerState(base: RedisState, declare: XQueue[]): { s: RedisState; c: Conn; error: string | null } {
  let memo = producerCache.get(base);
  if (!memo) producerCache.set(base, (memo = new Map()));
  const key = declareKey(declare);
  let hit = memo.get(key);
  if (!hit) {
    const s: RedisState = { tables: base.tables, fanoutQueues: base.fanoutQueues, errors: base.errors, borrowed: { tables: true, fanout: true } };
    const c: Conn = { types: new Map(), bound: new Set() };
    let error: string | null = null;
    for (const q of declare) {
      try {
        declareQueue(s, c, q, 'producer');
      } catch (e) {
        error = (e as Error).message;
        break;
      }
    }
    memo.set(key, (hit = { s, c, error }));
  }
  return hit;
}

export function redisDeliver(
  eq: ExpandedQueues,
  declare: XQueue[],
  exchange: string,
  routingKey: string | null,
  priority: number | null,
): RedisDelivery {
  const none = (error: string | null, exchangeType = 'direct'): RedisDelivery =>
    ({ queues: [], lists: [], pubsub: [], fanoutQueues: [], error, exchangeType });
  const { s, c, error } = producerState(redisWorkerState(eq), declare);
  if (error) return none(error);
  // basic_publish (virtual/base.py:591-599): '' → LPUSH to the list named by the routing key
  if (!exchange) {
    const q = routingKey ?? 'None';
    return { queues: [q], lists: [redisListName(q, priority)], pubsub: [], fanoutQueues: [], error: null, exchangeType: 'direct' };
  }
  const type = c.types.get(exchange)?.type ?? 'direct';
  if (!TYPES.has(type)) return none(keyError(type), type);
  const table = s.tables.get(exchange) ?? [];
  if (type === 'fanout') {
    const channel = redisFanoutChannel(exchange, routingKey);
    const subs = [...s.fanoutQueues].filter(([, v]) => v.exchange === exchange && globToRe(redisFanoutChannel(v.exchange, v.routingKey)).test(channel))
      .map(([q]) => q).sort();
    return { queues: [], lists: [], pubsub: [channel], fanoutQueues: subs, error: null, exchangeType: type };
  }
  const rk = routingKey ?? '';
  const hit = new Set<string>();
  for (const r of table) {
    // DirectExchange.lookup compares the row's key; TopicExchange.lookup re.matches the row's regex
    if (type === 'direct' ? r.routingKey === rk : redisTopicMatch(r.pattern, rk)) hit.add(r.queue);
  }
  const queues = [...hit].filter(Boolean).sort();
  return { queues, lists: queues.map((q) => redisListName(q, priority)), pubsub: [], fanoutQueues: [], error: null, exchangeType: type };
}
