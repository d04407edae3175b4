/**
 * RabbitMQ (AMQP 0-9-1) delivery model: what exists on the broker as deployed (RabbitMQ definitions, when
 * given), plus what a worker without -Q declared (every queue of app.amqp.queues), plus what the producer
 * declares for one send (`declare=[queue]`, amqp.py:495-496), then how the exchange routes the message.
 */
import type { Declarer, ExpandedQueues, XExchange, XQueue } from './queues';
import { declaredExchange, queueDeclareArgs } from './queues';
import { pyRepr } from './pyutil';
import type { DeployedTopology } from './types';
import type { Loc } from '../model/types';

/** `queue` is the destination: a queue, or an exchange when `toExchange` (exchange→exchange, definitions only). */
export interface AmqpBinding { exchange: string; queue: string; routingKey: string; arguments?: Record<string, unknown>; toExchange?: boolean; deployed?: boolean; loc?: Loc; alternate?: boolean }
interface QState { args: Record<string, unknown>; durable: boolean; autoDelete: boolean; deployed?: boolean }
/** Deployed exchanges also carry `internal` (publishing to one → 403; Celery re-declaring one → 406). */
export type BrokerExchange = XExchange & { internal?: boolean; deployed?: boolean };

export interface AmqpBroker {
  exchanges: Map<string, BrokerExchange>;
  queues: Map<string, QState>;
  bindings: AmqpBinding[];
  /** Declaration errors at worker start-up, per queue (display name). */
  errors: { queue: string; error: string }[];
  /** Quoted vhost for error texts. */
  vhost: string;
  deployed?: DeployedTopology;
  /** A producer's view of the worker broker: its maps are the worker's until it changes one (see `own`). */
  borrowed?: boolean;
}

/** Queue arguments RabbitMQ 3.10 checks on re-declare (rabbit_amqqueue:declare_args; checked live: x-queue-mode is one, x-foo is not). */
const EQUIVALENT_QUEUE_ARGS = [
  'x-expires', 'x-message-ttl', 'x-dead-letter-exchange', 'x-dead-letter-routing-key', 'x-max-length', 'x-max-length-bytes',
  'x-max-in-memory-length', 'x-max-in-memory-bytes', 'x-max-priority', 'x-overflow', 'x-queue-mode', 'x-single-active-consumer',
  'x-queue-type', 'x-quorum-initial-group-size', 'x-max-age', 'x-stream-max-segment-size-bytes', 'x-initial-cluster-size', 'x-queue-leader-locator',
];

/** Predeclared exchanges of every vhost. */
const PREDECLARED: [string, string][] = [
  ['amq.direct', 'direct'], ['amq.topic', 'topic'], ['amq.fanout', 'fanout'], ['amq.headers', 'headers'], ['amq.match', 'headers'],
];

/** The broker before any Celery process ran: the predeclared exchanges, then the deployed topology if any. */
export function emptyBroker(deployed?: DeployedTopology): AmqpBroker {
  const exchanges = new Map<string, BrokerExchange>();
  for (const [name, type] of PREDECLARED) exchanges.set(name, { name, type, durable: true, autoDelete: false });
  const b: AmqpBroker = { exchanges, queues: new Map(), bindings: [], errors: [], vhost: pyRepr(deployed?.vhost ?? '/'), deployed };
  if (!deployed) return b;
  for (const x of deployed.exchanges) {
    if (x.name && !x.name.startsWith('amq.')) exchanges.set(x.name, { ...x, deployed: true });
  }
  for (const q of deployed.queues) b.queues.set(q.name, { args: { ...q.arguments }, durable: q.durable, autoDelete: q.autoDelete, deployed: true });
  for (const x of deployed.bindings) {
    // RabbitMQ refuses a binding whose ends do not exist, so such a definition never reaches the broker
    const destOk = x.destinationType === 'exchange' ? exchanges.has(x.destination) : b.queues.has(x.destination);
    if (!exchanges.has(x.source) || !destOk) continue;
    b.bindings.push({ exchange: x.source, queue: x.destination, routingKey: x.routingKey, arguments: x.arguments,
      toExchange: x.destinationType === 'exchange' || undefined, deployed: true, loc: x.loc });
  }
  return b;
}

/** Before a change to a borrowed broker: its own copies of the maps (most producer declares change nothing). */
function own(b: AmqpBroker): void {
  if (!b.borrowed) return;
  b.exchanges = new Map(b.exchanges);
  b.queues = new Map(b.queues);
  b.bindings = [...b.bindings];
  b.errors = [...b.errors];
  b.borrowed = false;
}

const shown = (v: unknown): string => (v === undefined ? 'none' : `'${String(v)}'`);

function declareExchange(b: AmqpBroker, ex: XExchange | null): void {
  // kombu Exchange._can_declare (entity.py:163-166): '' and amq.* are never declared
  if (!ex || !ex.name || ex.name.startsWith('amq.')) return;
  const prev = b.exchanges.get(ex.name);
  if (prev) {
    const checks: Array<readonly [string, unknown, unknown]> = [['type', ex.type, prev.type], ['durable', ex.durable, prev.durable], ['auto_delete', ex.autoDelete, prev.autoDelete]];
    // an exchange from the definitions may differ in what kombu always sends (internal=False, no alternate-exchange)
    if (prev.deployed) checks.push(['internal', false, !!prev.internal], ['alternate-exchange', ex.arguments?.['alternate-exchange'], prev.arguments?.['alternate-exchange']]);
    for (const [arg, a, c] of checks) {
      if (a !== c) {
        throw new Error(`406 PRECONDITION_FAILED - inequivalent arg '${arg}' for exchange ${pyRepr(ex.name)} in vhost ${b.vhost}: received ${shown(a)} but current is ${shown(c)}`);
      }
    }
    return;
  }
  own(b);
  b.exchanges.set(ex.name, ex);
}

function bind(b: AmqpBroker, exchange: string, queue: string, routingKey: string, args?: Record<string, unknown>): void {
  if (!b.exchanges.has(exchange)) throw new Error(`404 NOT_FOUND - no exchange ${pyRepr(exchange)} in vhost ${b.vhost}`);
  const a = JSON.stringify(args ?? {});
  if (!b.bindings.some((x) => x.exchange === exchange && x.queue === queue && x.routingKey === routingKey && JSON.stringify(x.arguments ?? {}) === a)) {
    own(b);
    b.bindings.push({ exchange, queue, routingKey, arguments: args });
  }
}

/** kombu `Queue.declare()` (entity.py:601-623): exchange, queue, main binding, extra bindings. */
export function declareQueue(b: AmqpBroker, q: XQueue, by: Declarer): void {
  if (q.noDeclare) return;
  const ex = declaredExchange(q, by);
  declareExchange(b, ex);
  const args = queueDeclareArgs(q);
  // RabbitMQ 3.x refuses priorities on quorum queues (checked live on 3.10.8); Celery 5.5 still adds
  // task_queue_max_priority to a quorum default queue (amqp.py Queues._add)
  if (args['x-queue-type'] === 'quorum' && 'x-max-priority' in args) {
    throw new Error(`406 PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue ${pyRepr(q.name)} in vhost ${b.vhost} of queue type rabbit_quorum_queue`);
  }
  const prev = b.queues.get(q.name);
  if (prev) {
    // a deployed queue is compared as RabbitMQ does: only the equivalence arguments, x-queue-type defaulting to classic
    const keys = prev.deployed ? EQUIVALENT_QUEUE_ARGS : new Set([...Object.keys(prev.args), ...Object.keys(args)]);
    const norm = (k: string, v: unknown) => (prev.deployed && k === 'x-queue-type' && v === undefined ? 'classic' : v);
    for (const k of keys) {
      if (JSON.stringify(norm(k, prev.args[k])) !== JSON.stringify(norm(k, args[k]))) {
        throw new Error(`406 PRECONDITION_FAILED - inequivalent arg ${pyRepr(k)} for queue ${pyRepr(q.name)} in vhost ${b.vhost}: received ${shown(args[k])} but current is ${shown(prev.args[k])}`);
      }
    }
    const flags: Array<readonly [string, boolean, boolean]> = [['durable', q.durable, prev.durable]];
    if (prev.deployed) flags.push(['auto_delete', q.autoDelete, prev.autoDelete]);
    for (const [arg, a, c] of flags) {
      if (a !== c) throw new Error(`406 PRECONDITION_FAILED - inequivalent arg '${arg}' for queue ${pyRepr(q.name)} in vhost ${b.vhost}: received '${a}' but current is '${c}'`);
    }
  } else {
    own(b);
    b.queues.set(q.name, { args, durable: q.durable, autoDelete: q.autoDelete });
  }
  if (ex && ex.name) bind(b, ex.name, q.name, q.routingKey ?? '', q.bindingArguments);
  for (const x of q.bindings) {
    if (x.exchange && x.exchange.name) {
      declareExchange(b, x.exchange);
      bind(b, x.exchange.name, q.name, x.routingKey, x.arguments);
    }
  }
}

const workerCache = new WeakMap<ExpandedQueues, AmqpBroker>();

/** The broker after a worker without -Q started on `deployed`: every queue of app.amqp.queues declared in order. */
export function workerBroker(eq: ExpandedQueues, deployed?: DeployedTopology): AmqpBroker {
  let b = workerCache.get(eq);
  if (b && b.deployed === deployed) return b;
  b = emptyBroker(deployed);
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
  if (!pattern.includes('*') && !pattern.includes('#')) return pattern === key;
  const p = wordsOf(pattern);
  const k = wordsOf(key);
  if (!pattern.includes('#')) {
    // `*` only: word for word (every route asks this of every topic binding; no memo needed)
    if (p.length !== k.length) return false;
    for (let i = 0; i < p.length; i++) if (p[i] !== '*' && p[i] !== k[i]) return false;
    return true;
  }
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

/** Words of a key or pattern (routing asks one key against every binding of an exchange, for every task). */
const words = new Map<string, string[]>();
function wordsOf(s: string): string[] {
  let w = words.get(s);
  if (!w) {
    if (words.size > 20000) words.clear();
    words.set(s, (w = s.split('.')));
  }
  return w;
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
  /** Per landing queue, the bindings the message followed (exchange→exchange hops first). Filled with a deployed topology. */
  via?: Map<string, AmqpBinding[]>;
}

/** Route one publish through the broker `b`. Returns queue *names* (Broadcast: internal name). */
export function amqpRoute(b: AmqpBroker, exchange: string, routingKey: string | null, headers: Record<string, unknown>): AmqpDelivery {
  const rk = routingKey ?? '';
  const unknowns: string[] = [];
  if (!exchange) return { queues: b.queues.has(rk) ? [rk] : [], error: null, unknowns };
  const ex = b.exchanges.get(exchange);
  if (!ex) return { queues: [], error: `404 NOT_FOUND - no exchange ${pyRepr(exchange)} in vhost ${b.vhost}`, unknowns };
  if (ex.internal) return { queues: [], error: `403 ACCESS_REFUSED - cannot publish to internal exchange ${pyRepr(exchange)} in vhost ${b.vhost}`, unknowns };
  if (!b.deployed) return { queues: matching(b, ex, rk, headers, unknowns).map((x) => x.queue).sort(), error: null, unknowns };
  // deployed topology: follow exchange→exchange bindings and alternate exchanges, remember the path
  const via = new Map<string, AmqpBinding[]>();
  const seen = new Set<string>();
  const walk = (x: BrokerExchange, path: AmqpBinding[]): void => {
    if (seen.has(x.name)) return;
    seen.add(x.name);
    const hits = matching(b, x, rk, headers, unknowns);
    for (const h of hits) {
      const dest = h.toExchange ? b.exchanges.get(h.queue) : undefined;
      if (dest) walk(dest, [...path, h]);
      else if (!h.toExchange && !via.has(h.queue)) via.set(h.queue, [...path, h]);
    }
    const ae = hits.length ? undefined : alternateExchange(b, x);
    if (ae) walk(ae, [...path, { exchange: x.name, queue: ae.name, routingKey: rk, toExchange: true, alternate: true, deployed: true }]);
  };
  walk(ex, []);
  return { queues: [...via.keys()].sort(), error: null, unknowns, via };
}

/** `alternate-exchange` argument, else the highest-priority matching policy (rabbit_exchange: arguments win). */
function alternateExchange(b: AmqpBroker, x: BrokerExchange): BrokerExchange | undefined {
  let name = x.arguments?.['alternate-exchange'];
  if (typeof name !== 'string') {
    const pols = (b.deployed?.alternateExchangePolicies ?? []).filter((p) => safeMatch(p.pattern, x.name)).sort((p, q) => q.priority - p.priority);
    name = pols[0]?.exchange;
  }
  return typeof name === 'string' ? b.exchanges.get(name) : undefined;
}

/** A policy pattern (a regex) against a name; an invalid pattern matches nothing, as RabbitMQ refuses it. */
export function safeMatch(pattern: string, name: string): boolean {
  try { return new RegExp(pattern).test(name); } catch { return false; }
}

/** Bindings by source exchange, in order, per bindings list; rebuilt when the list grew (bindings are only
 * appended; a broker that changes copies its list first). Every route asks it for the exchange it publishes to. */
const bySource = new WeakMap<AmqpBinding[], { n: number; m: Map<string, AmqpBinding[]> }>();
function bindingsFrom(b: AmqpBroker, exchange: string): AmqpBinding[] {
  let c = bySource.get(b.bindings);
  if (!c || c.n !== b.bindings.length) {
    const m = new Map<string, AmqpBinding[]>();
    for (const x of b.bindings) {
      const l = m.get(x.exchange);
      if (l) l.push(x); else m.set(x.exchange, [x]);
    }
    bySource.set(b.bindings, (c = { n: b.bindings.length, m }));
  }
  return c.m.get(exchange) ?? [];
}

function sameDestination(hits: AmqpBinding[], x: AmqpBinding): boolean {
  for (const h of hits) if (h.queue === x.queue && !h.toExchange === !x.toExchange) return true;
  return false;
}

/** The bindings of exchange `ex` that match (one per destination). */
function matching(b: AmqpBroker, ex: BrokerExchange, rk: string, headers: Record<string, unknown>, unknowns: string[]): AmqpBinding[] {
  const hit: AmqpBinding[] = [];
  for (const x of bindingsFrom(b, ex.name)) {
    if (hit.length && sameDestination(hit, x)) continue;
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
    if (ok) hit.push(x);
  }
  return hit;
}

/** Declare the producer's `declare` list on a copy of the worker broker, then route. */
export function amqpDeliver(
  eq: ExpandedQueues,
  declare: XQueue[],
  exchange: string,
  routingKey: string | null,
  headers: Record<string, unknown>,
  deployed?: DeployedTopology,
): AmqpDelivery & { broker: AmqpBroker } {
  const base = workerBroker(eq, deployed);
  const { b, error } = declared(base, declare);
  // the producer's channel is closed by the broker: the send raises
  if (error) return { queues: [], error, unknowns: [], broker: b };
  return { ...amqpRoute(b, exchange, routingKey, headers), broker: b };
}

/** Key of a declare list: what declaring these queues depends on (the objects are rebuilt per send). */
export function declareKey(declare: XQueue[]): string {
  if (declare.length === 1) return queueKey(declare[0]);
  return declare.map(queueKey).join('\n');
}

/** One queue's part of a declare key, once per queue object (every route of a config asks again). */
const queueKeys = new WeakMap<XQueue, string>();
function queueKey(q: XQueue): string {
  let k = queueKeys.get(q);
  if (k === undefined) queueKeys.set(q, (k = JSON.stringify([q.name, q.noDeclare, q.exchange, q.routingKey, q.bindings, q.bindingArguments, q.queueArguments, q.maxPriority, q.durable, q.autoDelete])));
  return k;
}

const declaredCache = new WeakMap<AmqpBroker, Map<string, { b: AmqpBroker; error: string | null }>>();

/** The base broker after the producer declared `declare` — memoised: most sends declare the same few queues. */
function declared(base: AmqpBroker, declare: XQueue[]): { b: AmqpBroker; error: string | null } {
  if (!declare.length) return { b: base, error: null };
  let memo = declaredCache.get(base);
  if (!memo) declaredCache.set(base, (memo = new Map()));
  const key = declareKey(declare);
  let hit = memo.get(key);
  if (!hit) {
    const b: AmqpBroker = { ...base, borrowed: true };
    let error: string | null = null;
    for (const q of declare) {
      try {
        declareQueue(b, q, 'producer');
      } catch (e) {
        error = (e as Error).message;
        break;
      }
    }
    // nothing changed: the worker broker itself (later memos keyed on it stay shared)
    memo.set(key, (hit = { b: b.borrowed ? base : b, error }));
  }
  return hit;
}
