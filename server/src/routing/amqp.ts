/**
 * RabbitMQ (AMQP 0-9-1) delivery model: what exists on the broker after a worker without -Q
 * declared every queue of app.amqp.queues, plus what the producer declares for one send
 * (`declare=[queue]`, amqp.py:495-496), then how the exchange routes the message.
 */
import type { Declarer, ExpandedQueues, XExchange, XQueue } from './queues';
import { declaredExchange, queueDeclareArgs } from './queues';
import { pyRepr } from './pyutil';

export interface AmqpBinding { exchange: string; queue: string; routingKey: string; arguments?: Record<string, unknown> }
interface QState { args: Record<string, unknown>; durable: boolean; autoDelete: boolean }

export interface AmqpBroker {
  exchanges: Map<string, XExchange>;
  queues: Map<string, QState>;
  bindings: AmqpBinding[];
  /** Declaration errors at worker start-up, per queue (display name). */
  errors: { queue: string; error: string }[];
}

/** Predeclared exchanges of every vhost. */
const PREDECLARED: [string, string][] = [
  ['amq.direct', 'direct'], ['amq.topic', 'topic'], ['amq.fanout', 'fanout'], ['amq.headers', 'headers'], ['amq.match', 'headers'],
];

export function emptyBroker(): AmqpBroker {
  const exchanges = new Map<string, XExchange>();
  for (const [name, type] of PREDECLARED) exchanges.set(name, { name, type, durable: true, autoDelete: false });
  return { exchanges, queues: new Map(), bindings: [], errors: [] };
}

const cloneBroker = (b: AmqpBroker): AmqpBroker =>
  ({ exchanges: new Map(b.exchanges), queues: new Map(b.queues), bindings: [...b.bindings], errors: [...b.errors] });

const VHOST = "'/'";

function declareExchange(b: AmqpBroker, ex: XExchange | null): void {
  // kombu Exchange._can_declare (entity.py:163-166): '' and amq.* are never declared
  if (!ex || !ex.name || ex.name.startsWith('amq.')) return;
  const prev = b.exchanges.get(ex.name);
  if (prev) {
    for (const [arg, a, c] of [['type', ex.type, prev.type], ['durable', ex.durable, prev.durable], ['auto_delete', ex.autoDelete, prev.autoDelete]] as const) {
      if (a !== c) {
        throw new Error(`406 PRECONDITION_FAILED - inequivalent arg '${arg}' for exchange ${pyRepr(ex.name)} in vhost ${VHOST}: received '${a}' but current is '${c}'`);
      }
    }
    return;
  }
  b.exchanges.set(ex.name, ex);
}

function bind(b: AmqpBroker, exchange: string, queue: string, routingKey: string, args?: Record<string, unknown>): void {
  if (!b.exchanges.has(exchange)) throw new Error(`404 NOT_FOUND - no exchange ${pyRepr(exchange)} in vhost ${VHOST}`);
  const a = JSON.stringify(args ?? {});
  if (!b.bindings.some((x) => x.exchange === exchange && x.queue === queue && x.routingKey === routingKey && JSON.stringify(x.arguments ?? {}) === a)) {
    b.bindings.push({ exchange, queue, routingKey, arguments: args });
  }
}

/** kombu `Queue.declare()` (entity.py:601-623): exchange, queue, main binding, extra bindings. */
export function declareQueue(b: AmqpBroker, q: XQueue, by: Declarer): void {
  if (q.noDeclare) return;
  const ex = declaredExchange(q, by);
  declareExchange(b, ex);
  const args = queueDeclareArgs(q);
  const prev = b.queues.get(q.name);
  if (prev) {
    const keys = new Set([...Object.keys(prev.args), ...Object.keys(args)]);
    for (const k of keys) {
      if (JSON.stringify(prev.args[k]) !== JSON.stringify(args[k])) {
        throw new Error(`406 PRECONDITION_FAILED - inequivalent arg ${pyRepr(k)} for queue ${pyRepr(q.name)} in vhost ${VHOST}: received ${args[k] === undefined ? 'none' : `'${String(args[k])}'`} but current is ${prev.args[k] === undefined ? 'none' : `'${String(prev.args[k])}'`}`);
      }
    }
    if (prev.durable !== q.durable) {
      throw new Error(`406 PRECONDITION_FAILED - inequivalent arg 'durable' for queue ${pyRepr(q.name)} in vhost ${VHOST}: received '${q.durable}' but current is '${prev.durable}'`);
    }
  } else b.queues.set(q.name, { args, durable: q.durable, autoDelete: q.autoDelete });
  if (ex && ex.name) bind(b, ex.name, q.name, q.routingKey ?? '', q.bindingArguments);
  for (const x of q.bindings) {
    if (x.exchange && x.exchange.name) {
      declareExchange(b, x.exchange);
      bind(b, x.exchange.name, q.name, x.routingKey, x.arguments);
    }
  }
}

const workerCache = new WeakMap<ExpandedQueues, AmqpBroker>();

/** The broker after a worker without -Q started: every queue of app.amqp.queues declared in order. */
export function workerBroker(eq: ExpandedQueues): AmqpBroker {
  let b = workerCache.get(eq);
  if (b) return b;
  b = emptyBroker();
  for (const q of eq.list) {
    try {
      declareQueue(b, q, 'worker');
    } catch (e) {
      b.errors.push({ queue: q.display, error: (e as Error).message });
    }
  }
  workerCache.set(eq, b);
  return b;
}

/**
 * AMQP topic match: words split on '.', `*` exactly one word, `#` zero or more words.
 * Exported for hover/completion ("which queues receive key K").
 */
export function topicMatch(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const memo = new Map<number, boolean>();
  const m = (i: number, j: number): boolean => {
    const id = i * (k.length + 1) + j;
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === k.length;
    else if (p[i] === '#') r = m(i + 1, j) || (j < k.length && m(i, j + 1));
    else if (j === k.length) r = false;
    else r = (p[i] === '*' || p[i] === k[j]) && m(i + 1, j + 1);
    memo.set(id, r);
    return r;
  };
  return m(0, 0);
}

/** Celery's message headers (protocol 2, amqp.py:326-347) that headers exchanges see. */
export function celeryHeaders(task: string): Record<string, unknown> {
  return { lang: 'py', task, retries: 0, ignore_result: false, eta: null, expires: null, group: null, group_index: null, shadow: null };
}
/** Headers whose value differs per message (task id, origin...): a binding on them cannot be predicted. */
const PER_MESSAGE_HEADERS = new Set(['id', 'root_id', 'parent_id', 'origin', 'argsrepr', 'kwargsrepr', 'timelimit']);

export interface AmqpDelivery {
  queues: string[];
  error: string | null;
  unknowns: string[];
}

/** Route one publish through the broker `b`. Returns queue *names* (Broadcast: internal name). */
export function amqpRoute(b: AmqpBroker, exchange: string, routingKey: string | null, headers: Record<string, unknown>): AmqpDelivery {
  const rk = routingKey ?? '';
  const unknowns: string[] = [];
  if (!exchange) return { queues: b.queues.has(rk) ? [rk] : [], error: null, unknowns };
  const ex = b.exchanges.get(exchange);
  if (!ex) return { queues: [], error: `404 NOT_FOUND - no exchange ${pyRepr(exchange)} in vhost ${VHOST}`, unknowns };
  const hit: string[] = [];
  for (const x of b.bindings) {
    if (x.exchange !== exchange || hit.includes(x.queue)) continue;
    let ok = false;
    if (ex.type === 'fanout') ok = true;
    else if (ex.type === 'direct') ok = x.routingKey === rk;
    else if (ex.type === 'topic') ok = topicMatch(x.routingKey, rk);
    else if (ex.type === 'headers') {
      const args = { ...(x.arguments ?? {}) };
      const xm = args['x-match'] ?? 'all';
      const tests = Object.entries(args).filter(([k]) => !k.startsWith('x-'));
      const res = tests.map(([k, v]) => {
        if (PER_MESSAGE_HEADERS.has(k)) unknowns.push(`headers binding of ${pyRepr(x.queue)} tests ${pyRepr(k)}, which differs per message (assumed not equal)`);
        return headers[k] === v;
      });
      ok = xm === 'any' ? res.some(Boolean) : res.every(Boolean);
    }
    if (ok) hit.push(x.queue);
  }
  return { queues: hit.sort(), error: null, unknowns };
}

/** Declare the producer's `declare` list on a copy of the worker broker, then route. */
export function amqpDeliver(
  eq: ExpandedQueues,
  declare: XQueue[],
  exchange: string,
  routingKey: string | null,
  headers: Record<string, unknown>,
): AmqpDelivery & { broker: AmqpBroker } {
  const base = workerBroker(eq);
  const b = declare.length ? cloneBroker(base) : base;
  for (const q of declare) {
    try {
      declareQueue(b, q, 'producer');
    } catch (e) {
      // the producer's channel is closed by the broker: the send raises
      return { queues: [], error: (e as Error).message, unknowns: [], broker: b };
    }
  }
  return { ...amqpRoute(b, exchange, routingKey, headers), broker: b };
}
