/**
 * Celery 5.5 native delayed delivery (quorum queues on RabbitMQ).
 *
 * `Celery.send_task` (celery/app/base.py of 5.5.2, after `router.route`): when the app's broker is
 * RabbitMQ (`driver_type == 'amqp'`, from broker_url — not from the producer's connection) and any
 * queue of app.amqp.queues has `x-queue-type: quorum` (celery/utils/quorum_queues.py), then
 *  - `options['queue'].exchange.type` is read for every send (a route without a queue → KeyError: 'queue');
 *  - not direct: an `eta` becomes `countdown = eta - now`; a countdown > 0 removes the queue and publishes to
 *    the topic exchange `celery_delayed_27` with routing key = the 28 bits of int(countdown), one word per bit,
 *    then the queue's binding key (kombu/transport/native_delayed_delivery.py calculate_routing_key;
 *    int(countdown) < 1 → ValueError, an empty binding key → ValueError); nothing is declared by the producer;
 *  - direct: a warning only, the message goes where it would have gone (the worker holds it until its ETA).
 * A worker of such an app runs the DelayedDelivery bootstep (celery/worker/consumer/delayed_delivery.py):
 * exchanges + queues `celery_delayed_27..0` (x-message-ttl 2^level s, dead-lettered to the next level, the last
 * one to the topic exchange `celery_delayed_delivery`), and for every app queue whose exchange is not direct:
 * exchange ← celery_delayed_delivery and queue ← exchange, both with key `#.<binding key>`.
 * Redis is unaffected (driver_type 'redis').
 */
import type { DelayedTrace, DeployedTopology, RouteOptions, RoutingConfig } from './types';
import type { ExpandedQueues, XQueue } from './queues';
import { celery55, queueDeclareArgs } from './queues';
import { amqpRoute, workerBroker, type AmqpBroker, type AmqpBinding } from './amqp';
import { pyRepr } from './pyutil';

export const DELAYED_EXCHANGE = 'celery_delayed_27';
export const DELIVERY_EXCHANGE = 'celery_delayed_delivery';
const LEVELS = 28;

export { celery55 };

/** `detect_quorum_queues(app, driver_type)`: the first quorum queue of app.amqp.queues on RabbitMQ. */
export function quorumQueue(config: RoutingConfig, eq: ExpandedQueues): XQueue | undefined {
  if (!celery55(config)) return undefined;
  if (config.transport !== 'amqp' && config.transport !== 'unknown') return undefined;
  return eq.list.find((q) => q.queueArguments?.['x-queue-type'] === 'quorum');
}

/** `calculate_routing_key(countdown, routing_key)`. */
export function delayedRoutingKey(seconds: number, routingKey: string): string {
  return `${seconds.toString(2).padStart(LEVELS, '0').split('').join('.')}.${routingKey}`;
}

/** The delay (seconds, may be fractional or negative) a send asks for; eta wins over countdown (base.py). */
export function requestedDelay(o: RouteOptions, now: number): { seconds: number | null; how: string } {
  if (o.eta) {
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(o.eta) ? o.eta : `${o.eta}Z`; // naive → UTC (maybe_make_aware)
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) return { seconds: (t - now) / 1000, how: `eta=${pyRepr(o.eta)}` };
  }
  if (typeof o.countdown === 'number') return { seconds: o.countdown, how: `countdown=${o.countdown}` };
  return { seconds: null, how: '' };
}

export type DelayedDecision =
  | { kind: 'none' }
  | { kind: 'error'; error: string; steps: string[]; trace: DelayedTrace }
  | { kind: 'keep'; steps: string[]; trace: DelayedTrace }
  | { kind: 'reroute'; exchange: string; routingKey: string; steps: string[]; trace: DelayedTrace };

/** What send_task does between `router.route` and `send_task_message` (5.5 only). `queue` null = no 'queue' key. */
export function delayedDecision(config: RoutingConfig, eq: ExpandedQueues, queue: XQueue | null, options: RouteOptions, now: number): DelayedDecision {
  const qq = quorumQueue(config, eq);
  if (!qq) return { kind: 'none' };
  const steps = [`Celery 5.5: quorum queue ${pyRepr(qq.display)} on RabbitMQ switches native delayed delivery on (celery/utils/quorum_queues.py)`];
  const trace: DelayedTrace = { mode: 'not-delayed', quorumQueue: qq.display };
  if (!queue) {
    steps.push("send_task reads options['queue'] for every send, and the route gave no queue → KeyError: 'queue' (celery/app/base.py send_task)");
    return { kind: 'error', error: "KeyError: 'queue'", steps, trace };
  }
  if (!queue.exchange) {
    steps.push(`send_task reads the exchange type of queue ${pyRepr(queue.display)}, which has none (a Queue with bindings) → AttributeError`);
    return { kind: 'error', error: "AttributeError: 'NoneType' object has no attribute 'type'", steps, trace };
  }
  trace.forQueue = queue.display;
  const { seconds, how } = requestedDelay(options, now);
  if (queue.exchange.type === 'direct') {
    trace.mode = 'direct-warning';
    steps.push(`queue ${pyRepr(queue.display)} has the direct exchange ${pyRepr(queue.exchange.name)}: Celery only logs "Direct exchanges are not supported with native delayed delivery"${seconds !== null && seconds > 0 ? ` and publishes as usual; the worker holds the message until its ETA (${how})` : ''}`);
    return { kind: 'keep', steps, trace };
  }
  const unknownDelay = options.unknown?.eta ?? options.unknown?.countdown;
  if (seconds === null && unknownDelay) {
    steps.push(`the delay is not known statically (${unknownDelay}): a positive one publishes to ${pyRepr(DELAYED_EXCHANGE)} instead (native delayed delivery); shown as sent without delay`);
    return { kind: 'keep', steps, trace };
  }
  // `if countdown:` then `if countdown > 0:` then int(countdown)
  if (seconds === null || seconds <= 0) {
    if (seconds !== null) steps.push(`${how} is not in the future: no delayed delivery, published as usual`);
    return { kind: 'keep', steps, trace };
  }
  const whole = Math.trunc(seconds);
  if (whole < 1) {
    steps.push(`${how}: int(countdown) is 0 → calculate_routing_key raises ValueError (kombu native_delayed_delivery.py)`);
    return { kind: 'error', error: 'ValueError: countdown must be a positive number', steps, trace };
  }
  const bk = queue.routingKey ?? '';
  if (!bk) {
    steps.push(`queue ${pyRepr(queue.display)} has an empty binding key → calculate_routing_key raises ValueError`);
    return { kind: 'error', error: 'ValueError: routing_key must be non-empty', steps, trace };
  }
  const routingKey = delayedRoutingKey(whole, bk);
  trace.mode = 'rerouted';
  trace.delaySeconds = whole;
  steps.push(`${how} on the ${queue.exchange.type} exchange ${pyRepr(queue.exchange.name)}: the queue is dropped from the options and the message is published to the topic exchange ${pyRepr(DELAYED_EXCHANGE)} with routing key ${pyRepr(routingKey)} (${whole} s in 28 bits, then the queue's binding key ${pyRepr(bk)}; celery/app/base.py, kombu calculate_routing_key); the producer declares nothing`);
  return { kind: 'reroute', exchange: DELAYED_EXCHANGE, routingKey, steps, trace };
}

// ------------------------------------------------------------------ the worker's DelayedDelivery bootstep

const levelName = (l: number): string => `celery_delayed_${l}`;
const stars = (n: number): string => '*.'.repeat(n);

export interface DelayedBroker { broker: AmqpBroker; errors: string[] }
const cache = new WeakMap<AmqpBroker, { deployed?: DeployedTopology; queueType: string; value: DelayedBroker }>();

/** The worker broker plus what the DelayedDelivery bootstep declares (stops at its first failure, like it). */
export function delayedWorkerBroker(config: RoutingConfig, eq: ExpandedQueues): DelayedBroker {
  const base = workerBroker(eq, config.deployed);
  const queueType = config.delayedDeliveryQueueType ?? 'quorum';
  const hit = cache.get(base);
  if (hit && hit.deployed === config.deployed && hit.queueType === queueType) return hit.value;
  // an empty deployed topology makes amqpRoute follow exchange→exchange bindings
  const b: AmqpBroker = {
    ...base, exchanges: new Map(base.exchanges), queues: new Map(base.queues), bindings: [...base.bindings], errors: [...base.errors],
    deployed: base.deployed ?? { vhost: '/', exchanges: [], queues: [], bindings: [] },
  };
  const errors: string[] = [];
  const value = { broker: b, errors };
  cache.set(base, { deployed: config.deployed, queueType, value });
  const topic = (name: string) => {
    const prev = b.exchanges.get(name);
    if (prev && prev.type !== 'topic') throw new Error(`406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange ${pyRepr(name)} in vhost ${b.vhost}: received 'topic' but current is '${prev.type}'`);
    if (!prev) b.exchanges.set(name, { name, type: 'topic', durable: true, autoDelete: false });
  };
  const bind = (x: AmqpBinding) => {
    for (const e of [x.exchange, ...(x.toExchange ? [x.queue] : [])]) {
      if (!b.exchanges.has(e)) throw new Error(`404 NOT_FOUND - no exchange ${pyRepr(e)} in vhost ${b.vhost}`);
    }
    if (!b.bindings.some((y) => y.exchange === x.exchange && y.queue === x.queue && y.routingKey === x.routingKey && !y.toExchange === !x.toExchange)) b.bindings.push(x);
  };
  try {
    if (queueType !== 'classic' && queueType !== 'quorum') throw new Error('ValueError: queue_type must be either classic or quorum');
    // declare_native_delayed_delivery_exchanges_and_queues
    for (let level = LEVELS - 1; level >= 0; level--) {
      const name = levelName(level);
      topic(name);
      const args: Record<string, unknown> = {
        'x-queue-type': queueType, 'x-overflow': 'reject-publish', 'x-message-ttl': 2 ** level * 1000,
        'x-dead-letter-exchange': level > 0 ? levelName(level - 1) : DELIVERY_EXCHANGE,
      };
      if (queueType === 'quorum') args['x-dead-letter-strategy'] = 'at-least-once';
      if (!b.queues.has(name)) b.queues.set(name, { args, durable: true, autoDelete: false });
      bind({ exchange: name, queue: name, routingKey: `${stars(LEVELS - 1 - level)}1.#` });
    }
    for (let level = LEVELS - 1; level > 0; level--) {
      topic(levelName(level - 1));
      bind({ exchange: levelName(level), queue: levelName(level - 1), routingKey: `${stars(LEVELS - 1 - level)}0.#`, toExchange: true });
    }
    topic(DELIVERY_EXCHANGE);
    bind({ exchange: levelName(0), queue: DELIVERY_EXCHANGE, routingKey: `${stars(LEVELS - 1)}0.#`, toExchange: true });
    // _bind_queues → bind_queue_to_native_delayed_delivery_exchange (on the bound copy of each queue)
    for (const q of eq.list) {
      const boundExchange = q.bindings.length ? null : q.exchange;
      const pairs = boundExchange
        ? [{ exchange: boundExchange, routingKey: q.routingKey ?? '' }]
        : q.bindings.filter((x) => x.exchange).map((x) => ({ exchange: x.exchange!, routingKey: x.routingKey }));
      for (const p of pairs) {
        if (p.exchange.type === 'direct') continue; // logged: direct exchanges are not supported
        const rk = p.routingKey.startsWith('#') ? p.routingKey : `#.${p.routingKey}`;
        bind({ exchange: DELIVERY_EXCHANGE, queue: p.exchange.name, routingKey: rk, toExchange: true });
        if (!b.queues.has(q.name)) throw new Error(`404 NOT_FOUND - no queue ${pyRepr(q.name)} in vhost ${b.vhost}`);
        bind({ exchange: p.exchange.name, queue: q.name, routingKey: rk });
      }
    }
  } catch (e) {
    errors.push((e as Error).message);
  }
  return value;
}

/**
 * Where messages in `queues` are once the delay has passed: each celery_delayed_N queue expires them after its
 * x-message-ttl to its x-dead-letter-exchange with the same routing key, down to celery_delayed_delivery.
 */
export function afterDelay(b: AmqpBroker, queues: string[], routingKey: string, headers: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const todo = [...queues];
  for (let guard = 0; todo.length && guard < 256; guard++) {
    const q = todo.shift()!;
    const args = b.queues.get(q)?.args ?? {};
    const dlx = args['x-dead-letter-exchange'];
    if (args['x-message-ttl'] !== undefined && typeof dlx === 'string') {
      const key = typeof args['x-dead-letter-routing-key'] === 'string' ? (args['x-dead-letter-routing-key'] as string) : routingKey;
      const r = amqpRoute(b, dlx, key, headers);
      todo.push(...r.queues);
    } else out.add(q);
  }
  return [...out].sort();
}

/** The queue's declared arguments say quorum (for diagnostics and hover). */
export const isQuorum = (q: XQueue): boolean => queueDeclareArgs(q)['x-queue-type'] === 'quorum';
