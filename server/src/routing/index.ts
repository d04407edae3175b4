/**
 * The routing engine: where a Celery 5.2 task message goes, exactly as real Celery decides
 * (options → Router.route → send_task_message) and where RabbitMQ / Redis then put it.
 * Pure, synchronous, cached per config object (runs per keystroke for code lenses).
 */
import type { RouteRequest, RouteTrace, RoutingConfig } from './types';
import { brokerName, expandQueues, XQueue, type ExpandedQueues } from './queues';
import { routeOptions } from './router';
import { publish, type Published } from './publish';
import { amqpDeliver, amqpRoute, celeryHeaders, declareQueue, workerBroker, type AmqpBinding, type AmqpBroker } from './amqp';
import { redisDeliver, redisWorkerState } from './redis';
import { pyRepr } from './pyutil';
import { checkArguments } from './arguments';
import { deadLetterRoute } from './deadletter';
import { afterDelay, celery55, delayedDecision, delayedWorkerBroker } from './delayed';
export { checkArguments } from './arguments';
export { delayedDecision, delayedRoutingKey, delayedWorkerBroker, quorumQueue, celery55, isQuorum, DELAYED_EXCHANGE, DELIVERY_EXCHANGE } from './delayed';
export type { Signature } from './arguments';

export * from './types';
export { expandQueues, lookupQueue, getQueue, declaredBindings, declaredExchange, newMissingQueue, queueObject, defaultExchange, brokerName, effectiveMaxPriority } from './queues';
export type { ExpandedQueues, XQueue, XExchange, XBinding, DeclaredBinding, Declarer } from './queues';
export { routeOptions, routeKeyRegex, routeKeyMatches, QUEUE_LEFT_OPEN } from './router';
export type { RouterOutput } from './router';
export { publish, defaultQueueAtSenderBuild } from './publish';
export type { Published, PublishResult } from './publish';
export { deadLetterRoute } from './deadletter';
export type { DeadLetterRoute } from './deadletter';
export { topicMatch, amqpRoute, amqpDeliver, workerBroker, celeryHeaders, emptyBroker, declareQueue } from './amqp';
export type { AmqpBroker, AmqpBinding, AmqpDelivery, BrokerExchange } from './amqp';
export { redisListName, redisFanoutChannel, redisTopicPattern, redisTopicMatch, redisDeliver, redisWorkerState } from './redis';
export type { RedisDelivery, RedisRow, RedisState } from './redis';
export { consumersOf, workerQueues } from './workers';
export type { Consumer, WorkerQueues } from './workers';
export { pyRepr, queueNotFound, unpackError, globToRegexSource, compilePyRegex } from './pyutil';

const list = (xs: string[]): string => xs.map(pyRepr).join(', ');

/** With a deployed topology: which binding(s) delivered to each queue, and whether the definitions hold them. */
function deliverySteps(via: Map<string, AmqpBinding[]>, display: (n: string) => string): string[] {
  const origin = (x: AmqpBinding) => (x.deployed ? `from the definitions${x.loc ? ` line ${x.loc.range.start.line + 1}` : ''}` : 'declared by Celery');
  const hop = (x: AmqpBinding) => (x.alternate
    ? `${pyRepr(x.exchange)} → its alternate exchange ${pyRepr(x.queue)} (no binding matched)`
    : `${x.exchange ? pyRepr(x.exchange) : "''"} → ${x.toExchange ? 'exchange ' : ''}${pyRepr(x.queue)} (key ${pyRepr(x.routingKey)}, ${origin(x)})`);
  return [...via].sort(([p], [q]) => p.localeCompare(q)).map(([q, path]) => `RabbitMQ: ${pyRepr(display(q))} gets it through ${path.map(hop).join(', then ')}`);
}

/** amqpDeliver on a given worker broker (here: with the native delayed delivery set-up of a 5.5 worker). */
function deliverOn(base: AmqpBroker, declare: XQueue[], exchange: string, routingKey: string | null, headers: Record<string, unknown>) {
  const b: AmqpBroker = declare.length
    ? { ...base, exchanges: new Map(base.exchanges), queues: new Map(base.queues), bindings: [...base.bindings], errors: [...base.errors] }
    : base;
  for (const q of declare) {
    try {
      declareQueue(b, q, 'producer');
    } catch (e) {
      return { queues: [] as string[], error: (e as Error).message as string | null, unknowns: [] as string[], broker: b, via: undefined };
    }
  }
  return { ...amqpRoute(b, exchange, routingKey, headers), broker: b };
}

export function routeMessage(config: RoutingConfig, req: RouteRequest): RouteTrace {
  const t: RouteTrace = {
    task: req.task,
    queue: null,
    exchange: null,
    routingKey: null,
    priority: null,
    deliveredTo: [],
    deliveredToRedis: [],
    dropped: false,
    droppedOnRedis: false,
    error: null,
    brokerError: null,
    decidedBy: {},
    steps: [],
    unknowns: [],
    autoCreated: [],
    publish: null,
    redisLists: [],
    redisPubSub: [],
    redisFanoutQueues: [],
    redisError: null,
  };
  if (config.configError) {
    t.error = config.configError;
    t.steps.push(`reading the configuration raises ${config.configError}`);
    return t;
  }
  const eq = expandQueues(config);
  const ta = req.taskAttributes;
  if (req.via === 'apply_async' && req.arguments && ta?.signature && ta.typing !== false) {
    const err = checkArguments(ta.signature, req.arguments.args, req.arguments.kwargs);
    if (err) {
      t.error = err;
      t.steps.push(`Task.apply_async checks the arguments against ${ta.signature.func}'s signature first: ${err} (nothing is sent)`);
      return t;
    }
  }

  // Router.route (routes.py:66-76)
  const r = routeOptions(config, req);
  t.steps.push(...r.steps);
  t.unknowns.push(...r.unknowns);
  t.matchedRoute = r.matchedRoute;
  t.queue = r.queue && !r.error ? r.queue.display : null;
  if (r.decidedBy.queue) t.decidedBy.queue = r.decidedBy.queue;
  if (r.error) {
    t.error = r.error;
    return t;
  }

  // Celery 5.5 send_task: native delayed delivery when a quorum queue exists (celery/app/base.py)
  const dd = delayedDecision(config, eq, r.queue, req.options, req.now ?? Date.now());
  if (dd.kind !== 'none') {
    t.steps.push(...dd.steps);
    t.delayed = dd.trace;
    const unknownDelay = req.options.unknown?.eta ?? req.options.unknown?.countdown;
    if (unknownDelay && dd.trace.mode === 'not-delayed') t.unknowns.push(`countdown/eta: ${unknownDelay} — with Celery 5.5 and a quorum queue a positive delay goes through ${pyRepr('celery_delayed_27')}`);
    if (dd.kind === 'error') {
      t.error = dd.error;
      const p0 = publish(config, r);
      if (p0.ok) redisPart(t, eq, p0.pub, (n) => (lastNamed(p0.pub.declare, n) ?? eq.byName.get(n))?.display ?? n, () => undefined);
      return t;
    }
  }

  // send_task_message (amqp.py:452-496)
  const p = publish(config, r);
  t.steps.push(...(dd.kind === 'reroute' && p.ok
    ? [`send_task_message: no queue, exchange ${pyRepr(dd.exchange)} given → published there with that routing key as is, nothing declared (amqp.py send_task_message); on Redis Celery 5.5 does not reroute: ${p.steps.join('; ')}`]
    : p.steps));
  if (!p.ok) {
    t.error = p.error;
    return t;
  }
  // kombu 5.5 (Celery 5.5): with task_publish_retry (default) the producer's maybe_declare declares the
  // channel-bound copy, so a queue with `bindings` loses the default exchange `_add` gave it (like a worker's)
  const boundCopies = celery55(config) && config.publishRetry !== false;
  const asDeclared = (qs: XQueue[]) => (boundCopies ? qs.map((q) => (q.bindings.length ? { ...q, exchange: null } : q)) : qs);
  const redisPub = { ...p.pub, declare: asDeclared(p.pub.declare) };
  const pub0 = { ...p.pub, declare: asDeclared(p.pub.declare) };
  const pub = dd.kind === 'reroute'
    ? { ...p.pub, exchange: dd.exchange, routingKey: dd.routingKey, declare: [], decidedBy: {
      exchange: { by: 'celery' as const, detail: 'native delayed delivery (Celery 5.5, quorum queue)' },
      routing_key: { by: 'celery' as const, detail: 'calculate_routing_key(int(countdown), queue.routing_key)' },
    } }
    : pub0;
  // only the published queue is declared on the broker; other auto-created ones stay in memory
  t.autoCreated = pub.queue && pub.queue.autoCreated && pub.declare.includes(pub.queue) ? [pub.queue.display] : [];
  t.queue = pub.queue ? pub.queue.display : null;
  t.exchange = pub.exchange;
  t.routingKey = pub.queue && pub.routingKey === pub.queue.name ? brokerName(pub.queue) : pub.routingKey;
  t.priority = pub.priority;
  Object.assign(t.decidedBy, pub.decidedBy);
  if (pub.priority !== null && r.decidedBy.priority) t.decidedBy.priority = r.decidedBy.priority;
  t.publish = {
    exchange: pub.exchange,
    routingKey: t.routingKey,
    exchangeType: pub.exchangeType,
    declare: pub.declare.map((q) => q.display),
    priority: pub.priority,
  };

  // names on the broker → what the user calls them (a queue the producer declares first)
  const display = (n: string): string => (lastNamed(pub.declare, n) ?? eq.byName.get(n))?.display ?? n;

  // RabbitMQ
  const wb = workerBroker(eq, config.deployed);
  for (const e of wb.errors) {
    if (pub.queue && e.queue === pub.queue.display) t.steps.push(`RabbitMQ: the worker's declaration of ${pyRepr(e.queue)} failed at start-up: ${e.error}`);
  }
  const delayedBroker = t.delayed ? delayedWorkerBroker(config, eq) : undefined;
  for (const e of delayedBroker?.errors ?? []) t.steps.push(`RabbitMQ: the worker's native delayed delivery set-up stopped: ${e}`);
  const a = delayedBroker
    ? deliverOn(delayedBroker.broker, pub.declare, pub.exchange, pub.routingKey, celeryHeaders(req.task))
    : amqpDeliver(eq, pub.declare, pub.exchange, pub.routingKey, celeryHeaders(req.task), config.deployed);
  t.unknowns.push(...a.unknowns);
  if (a.error) {
    t.brokerError = a.error;
    t.steps.push(`RabbitMQ: ${a.error} — the channel is closed and the send raises`);
  } else {
    t.deliveredTo = a.queues.map(display).sort();
    t.dropped = a.queues.length === 0;
    t.steps.push(t.dropped
      ? `RabbitMQ: no binding of ${pub.exchange ? `exchange ${pyRepr(pub.exchange)}` : "the default exchange ''"} matches routing key ${pyRepr(pub.routingKey ?? '')} → the message is dropped (unroutable)`
      : `RabbitMQ: lands in ${list(t.deliveredTo)}`);
    if (a.via && !delayedBroker) t.steps.push(...deliverySteps(a.via, display));
    // Where a rejected or expired message goes next (x-dead-letter-exchange of the landing queues).
    for (const q of t.deliveredTo) {
      const dl = deadLetterRoute(config, q, pub.routingKey ?? '', req.task);
      if (!dl) continue;
      const why = `if a worker rejects it${dl.ttlMs !== undefined ? ` or it waits longer than x-message-ttl ${dl.ttlMs} ms` : ''}`;
      t.steps.push(`RabbitMQ: ${why}, ${pyRepr(q)}${dl.policy ? ` (policy ${pyRepr(dl.policy.name)})` : ''} dead-letters it to ${dl.exchange ? `exchange ${pyRepr(dl.exchange)}` : "the default exchange ''"} with key ${pyRepr(dl.routingKey ?? pub.routingKey ?? '')} → ${dl.error ?? (dl.dropped ? 'no queue receives it: lost' : `lands in ${list(dl.deliveredTo)}`)}`);
    }
    if (delayedBroker && dd.kind === 'reroute' && t.delayed) {
      const later = afterDelay(a.broker, a.queues, pub.routingKey ?? '', celeryHeaders(req.task)).map(display);
      t.delayed.deliveredAfterDelay = later;
      t.steps.push(later.length
        ? `RabbitMQ: after ${t.delayed.delaySeconds} s (the celery_delayed_N queues' TTLs, dead-lettered level by level to ${pyRepr('celery_delayed_delivery')}) it lands in ${list(later)}`
        : 'RabbitMQ: after the delay no binding of celery_delayed_delivery matches: the message is dropped');
    }
  }

  // Redis (kombu virtual transport); Celery 5.5's delayed delivery never applies there (driver_type 'redis')
  redisPart(t, eq, redisPub, display, (x) => a.broker.exchanges.get(x)?.type);
  return t;
}

function lastNamed(qs: XQueue[], name: string): XQueue | undefined {
  for (let i = qs.length - 1; i >= 0; i--) if (qs[i].name === name) return qs[i];
  return undefined;
}

/** Where the message lands on Redis (kombu virtual transport). */
function redisPart(t: RouteTrace, eq: ExpandedQueues, pub: Published, display: (n: string) => string, realType: (x: string) => string | undefined): void {
  const rs = redisWorkerState(eq);
  for (const e of rs.errors) {
    if (pub.queue && e.queue === pub.queue.display) t.steps.push(`Redis: the worker's declaration of ${pyRepr(e.queue)} failed at start-up: ${e.error}`);
  }
  const d = redisDeliver(eq, pub.declare, pub.exchange, pub.routingKey, pub.priority);
  if (d.error) {
    t.redisError = d.error;
    t.steps.push(`Redis: the send raises ${d.error} (kombu virtual transport)`);
  } else if (d.pubsub.length) {
    t.redisPubSub = d.pubsub;
    t.redisFanoutQueues = d.fanoutQueues.map(display);
    t.droppedOnRedis = d.fanoutQueues.length === 0;
    t.steps.push(`Redis: fanout exchange ${pyRepr(pub.exchange)} = PUB/SUB on ${pyRepr(d.pubsub[0])}: nothing is stored; only consumers connected at that moment get it${t.redisFanoutQueues.length ? ` (bound: ${list(t.redisFanoutQueues)})` : ' — no queue is bound, it is lost'}`);
  } else {
    // the list's name on Redis: the worker's queue of that name first, else the producer's
    const named = (q: string) => eq.byName.get(q) ?? lastNamed(pub.declare, q);
    t.deliveredToRedis = d.queues.map(display);
    t.redisLists = d.lists.map((l) => {
      const [q, ...rest] = l.split('\x06\x16');
      const x = named(q);
      return [x ? brokerName(x) : q, ...rest].join('\x06\x16');
    });
    t.droppedOnRedis = d.queues.length === 0;
    const real = realType(pub.exchange);
    if (pub.exchange && real && d.exchangeType !== real) {
      t.steps.push(`Redis: this producer did not declare exchange ${pyRepr(pub.exchange)}, so kombu routes it as ${d.exchangeType} (exchange types live in each connection, virtual/base.py:683-689)`);
    }
    t.steps.push(t.droppedOnRedis ? 'Redis: no binding row matches → dropped silently' : `Redis: LPUSH to ${list(t.redisLists)}`);
  }
}
