/**
 * Celery's expansion of `task_queues` into `app.amqp.queues` (celery/app/amqp.py:56-190, 241-260)
 * and what kombu declares for a queue (kombu/entity.py:601-623).
 */
import type { BindingSpec, ExchangeSpec, QueueSpec, RoutingConfig } from './types';
import type { Loc } from '../model/types';
import { keyError } from './pyutil';
import { atLeast } from '../model/celeryVersion';

/** The config's Celery version is 5.5 or newer (absent: the newest modelled, 5.5). */
export function celery55(config: RoutingConfig): boolean {
  const v = config.celeryVersion;
  if (!v) return true;
  // every route asks, several times: one answer per version string
  let r = is55.get(v);
  if (r === undefined) is55.set(v, (r = atLeast(v.split('.').slice(0, 2).join('.'), '5.5')));
  return r;
}
const is55 = new Map<string, boolean>();

export interface XExchange {
  name: string;
  type: string;
  /** kombu Exchange defaults: durable=True, auto_delete=False. */
  durable: boolean;
  autoDelete: boolean;
  arguments?: Record<string, unknown>;
  loc?: Loc;
}

export interface XBinding { exchange: XExchange | null; routingKey: string; arguments?: Record<string, unknown>; loc?: Loc }

export interface XQueue {
  /** Name on the broker. Broadcast: `bcast.<alias>` stands for the real `bcast.<uuid4>`. */
  name: string;
  /** What the user calls it: the alias for Broadcast, else the name. */
  display: string;
  alias?: string;
  broadcast: boolean;
  exchange: XExchange | null;
  routingKey: string | null;
  bindings: XBinding[];
  /** Arguments of the main (queue.exchange, queue.routing_key) binding (headers x-match...). */
  bindingArguments?: Record<string, unknown>;
  /** `queue_arguments` as Celery leaves them (x-max-priority from task_queue_max_priority included). */
  queueArguments: Record<string, unknown> | null;
  maxPriority: number | null;
  durable: boolean;
  autoDelete: boolean;
  noDeclare: boolean;
  /** Made by `Queues.__missing__` (create_missing) rather than declared in task_queues. */
  autoCreated: boolean;
  /** `name` is our stand-in for a random `bcast.<uuid4>` (different in every process). */
  uuidName?: boolean;
  loc?: Loc;
}

/** Who declares: a worker's Consumer, or the producer's `declare=[queue]`. */
export type Declarer = 'worker' | 'producer';

/**
 * The exchange kombu declares and binds for `q`. A worker's Consumer binds the queue to a
 * channel first, which copies it through its constructor (kombu/abstract.py:51-70,
 * messaging.py:405): a queue with `bindings` gets exchange=None again (entity.py:580-581), so the
 * default exchange Celery gave it in `_add` is neither declared nor bound. The producer's
 * `maybe_declare` declares the original object (kombu/common.py:129-150), default exchange
 * included. (Checked on RabbitMQ 3.10 and Redis 7.)
 */
export const declaredExchange = (q: XQueue, by: Declarer): XExchange | null =>
  (by === 'worker' && q.bindings.length ? null : q.exchange);

/** The name as the broker shows it: `bcast.<uuid>` for an unnamed Broadcast queue. */
export const brokerName = (q: XQueue): string => (q.uuidName ? 'bcast.<uuid>' : q.name);

export interface ExpandedQueues {
  /** `app.amqp.queues` in insertion order (what a worker without -Q declares and consumes). */
  list: XQueue[];
  byName: Map<string, XQueue>;
  aliases: Map<string, XQueue>;
  defaultExchange: XExchange;
  /** `task_default_queue` is in app.amqp.queues (else it is auto-created, or KeyError). */
  defaultQueueDeclared: boolean;
}

export function exchangeOf(spec: ExchangeSpec): XExchange {
  return {
    name: spec.name ?? '',
    type: spec.type || 'direct',
    durable: spec.durable ?? true,
    autoDelete: spec.autoDelete ?? false,
    arguments: spec.arguments,
    loc: spec.loc,
  };
}

/** `Exchange(task_default_exchange, task_default_exchange_type)` (amqp.py:563-566). */
export function defaultExchange(config: RoutingConfig): XExchange {
  return { name: config.defaultExchange, type: config.defaultExchangeType || 'direct', durable: true, autoDelete: false };
}

const bindingOf = (b: BindingSpec): XBinding => ({
  exchange: b.exchange ? exchangeOf(b.exchange) : null,
  routingKey: b.routingKey ?? '',
  arguments: b.arguments,
  loc: b.loc,
});

/**
 * A kombu Queue object as built by its constructor, before Celery touches it: a Queue given
 * as an object in a route or apply_async is used like this (routes.py:88-89, not `_add`ed).
 */
export function queueObject(spec: QueueSpec): XQueue {
  const broadcast = !!spec.broadcast;
  const alias = spec.alias ?? undefined;
  // Broadcast(name) → Queue('bcast.<uuid4>', alias=name, auto_delete=True, Exchange(name, 'fanout'))
  const uuidName = broadcast && (!spec.name || spec.name.startsWith('bcast.'));
  const name = uuidName ? `bcast.${alias ?? ''}` : spec.name;
  let exchange: XExchange | null;
  if (spec.fromDict) {
    // Queue.from_dict: Exchange(opts['exchange'], type=opts.get('exchange_type')) (entity.py:843)
    exchange = spec.exchange ? exchangeOf(spec.exchange) : { name: '', type: 'direct', durable: true, autoDelete: false };
  } else if (spec.exchange) exchange = exchangeOf(spec.exchange);
  else if (broadcast) exchange = { name: alias ?? '', type: 'fanout', durable: true, autoDelete: false };
  else exchange = { name: '', type: 'direct', durable: true, autoDelete: false }; // class attr Exchange('')
  const bindings = (spec.bindings ?? []).map(bindingOf);
  // kombu/entity.py:580-581: a Queue with bindings has exchange=None
  if (bindings.length) exchange = null;
  let routingKey = spec.routingKey ?? '';
  if (spec.fromDict) {
    // add_compat (amqp.py:111-116): routing_key defaults to binding_key then to the name;
    // from_dict then prefers binding_key (entity.py:817).
    const rk = spec.routingKey ?? spec.bindingKey ?? name;
    routingKey = spec.bindingKey || rk;
  }
  return {
    name,
    display: broadcast ? alias ?? name : name,
    alias,
    broadcast,
    exchange,
    routingKey: routingKey || null,
    bindings,
    bindingArguments: spec.bindingArguments,
    queueArguments: spec.queueArguments ? { ...spec.queueArguments } : null,
    maxPriority: spec.maxPriority ?? null,
    durable: spec.durable ?? true,
    autoDelete: spec.autoDelete ?? broadcast,
    noDeclare: !!spec.noDeclare,
    autoCreated: false,
    uuidName,
    loc: spec.loc,
  };
}

/** `Queues._add` (amqp.py:118-128): default exchange / routing key, x-max-priority. */
function addQueue(q: XQueue, config: RoutingConfig, dx: XExchange): XQueue {
  if (!q.exchange || q.exchange.name === '') q.exchange = dx;
  if (!q.routingKey) q.routingKey = config.defaultRoutingKey;
  if (config.queueMaxPriority !== null && config.queueMaxPriority !== undefined) {
    q.queueArguments = q.queueArguments ?? {};
    if (!('x-max-priority' in q.queueArguments)) q.queueArguments['x-max-priority'] = config.queueMaxPriority;
  }
  return q;
}

/** `Queues.new_missing` (amqp.py:183-184): Queue(name, Exchange(name), name) — always direct. */
export function newMissingQueue(name: string): XQueue {
  return {
    name,
    display: name,
    broadcast: false,
    exchange: { name, type: 'direct', durable: true, autoDelete: false },
    routingKey: name,
    bindings: [],
    queueArguments: null,
    maxPriority: null,
    durable: true,
    autoDelete: false,
    noDeclare: false,
    autoCreated: true,
  };
}

const cache = new WeakMap<RoutingConfig, ExpandedQueues>();

/** `app.amqp.queues` for a config (cached per config object). */
export function expandQueues(config: RoutingConfig): ExpandedQueues {
  const hit = cache.get(config);
  if (hit) return hit;
  const dx = defaultExchange(config);
  let specs: QueueSpec[] | null = config.queues && config.queues.length ? config.queues : null;
  const byName = new Map<string, XQueue>();
  const aliases = new Map<string, XQueue>();
  const list: XQueue[] = [];
  if (!specs && config.defaultQueue) {
    // amqp.py:251-254: the single default queue
    specs = [{ name: config.defaultQueue, exchange: null, routingKey: config.defaultRoutingKey, bindings: [] }];
    // Celery 5.5 (amqp.py Queues): task_default_queue_type='quorum' → queue_arguments={'x-queue-type': 'quorum'};
    // Celery 5.2 does not know the setting. task_queue_max_priority is still added by _add (RabbitMQ refuses it).
    if (config.defaultQueueType === 'quorum' && celery55(config)) specs[0].queueArguments = { 'x-queue-type': 'quorum' };
  }
  // Queues.__init__: `{q.name: q for q in queues}` — a later duplicate replaces the earlier one
  // but keeps its position.
  const order: string[] = [];
  const byKey = new Map<string, XQueue>();
  for (const s of specs ?? []) {
    const q = queueObject(s);
    if (!byKey.has(q.name)) order.push(q.name);
    byKey.set(q.name, q);
  }
  for (const n of order) {
    const q = addQueue(byKey.get(n)!, config, dx);
    byName.set(q.name, q);
    list.push(q);
    if (q.alias) aliases.set(q.alias, q);
  }
  const out: ExpandedQueues = {
    list,
    byName,
    aliases,
    defaultExchange: dx,
    defaultQueueDeclared: lookupQueue({ byName, aliases }, config.defaultQueue) !== undefined,
  };
  cache.set(config, out);
  return out;
}

/** `Queues.__getitem__` without `__missing__`: alias first, then name (amqp.py:72-76). */
export function lookupQueue(eq: Pick<ExpandedQueues, 'byName' | 'aliases'>, name: string): XQueue | undefined {
  return eq.aliases.get(name) ?? eq.byName.get(name);
}

/** `queues[name]` with `__missing__` (amqp.py:85-88): auto-created, or `KeyError: 'name'`. */
export function getQueue(
  eq: ExpandedQueues,
  config: RoutingConfig,
  name: string,
): { queue: XQueue; error?: undefined } | { queue?: undefined; error: string } {
  const q = lookupQueue(eq, name);
  if (q) return { queue: q };
  if (config.createMissingQueues) return { queue: newMissingQueue(name) };
  return { error: keyError(name) };
}

export interface DeclaredBinding {
  exchange: string;
  exchangeType: string;
  routingKey: string;
  arguments?: Record<string, unknown>;
  /** The binding every queue has to the default exchange '' with its own name. */
  implicit?: boolean;
}

/**
 * Bindings the broker holds after kombu declares `q` (entity.py:609-623): the implicit ''
 * binding, `(queue.exchange, queue.routing_key)` if the exchange has a name (never for a queue
 * with `bindings` declared by a worker, see declaredExchange), then each binding.
 */
export function declaredBindings(q: XQueue, by: Declarer = 'worker'): DeclaredBinding[] {
  const out: DeclaredBinding[] = [{ exchange: '', exchangeType: 'direct', routingKey: q.name, implicit: true }];
  const ex = declaredExchange(q, by);
  if (ex && ex.name) {
    out.push({ exchange: ex.name, exchangeType: ex.type, routingKey: q.routingKey ?? '', arguments: q.bindingArguments });
  }
  for (const b of q.bindings) {
    if (b.exchange && b.exchange.name) {
      out.push({ exchange: b.exchange.name, exchangeType: b.exchange.type, routingKey: b.routingKey, arguments: b.arguments });
    }
  }
  return out;
}

/** The queue's own declared arguments (queue_arguments + max_priority), as kombu sends them. */
export function queueDeclareArgs(q: XQueue): Record<string, unknown> {
  const args: Record<string, unknown> = { ...(q.queueArguments ?? {}) };
  if (q.maxPriority !== null) args['x-max-priority'] = q.maxPriority;
  return args;
}

/** The priority levels RabbitMQ gives the queue: `max_priority=` or `x-max-priority` in queue_arguments. */
export function effectiveMaxPriority(q: XQueue): number | null {
  if (q.maxPriority !== null && q.maxPriority !== undefined) return q.maxPriority;
  const a = q.queueArguments?.['x-max-priority'];
  return typeof a === 'number' ? a : null;
}
