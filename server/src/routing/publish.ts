/**
 * `AMQP.send_task_message` (celery/app/amqp.py:452-496): from the router's options to the
 * exchange / routing key / declare list handed to kombu `Producer.publish`.
 */
import type { Decider, RoutingConfig } from './types';
import { ExpandedQueues, XQueue, expandQueues, lookupQueue, newMissingQueue } from './queues';
import type { RouterOutput } from './router';
import { keyError, pyRepr } from './pyutil';

export interface Published {
  queue: XQueue | null;
  exchange: string;
  routingKey: string | null;
  exchangeType: string;
  priority: number | null;
  /** `declare=[queue]` unless Broadcast (amqp.py:495-496). */
  declare: XQueue[];
  decidedBy: Partial<Record<'queue' | 'exchange' | 'routing_key', Decider>>;
  /** The default queue was auto-created when the sender was built (create_missing). */
  autoCreated: XQueue[];
}

export type PublishResult = { ok: true; pub: Published; steps: string[] } | { ok: false; error: string; steps: string[] };

/**
 * `default_queue = queues[task_default_queue]` runs when the sender is first built
 * (amqp.py:435, 552-554), before any message is published: with create_missing off and the
 * default queue undeclared, every send raises KeyError — even routed ones (surprise 12).
 */
export function defaultQueueAtSenderBuild(config: RoutingConfig, eq: ExpandedQueues = expandQueues(config)):
  { queue: XQueue; created: boolean } | { error: string } {
  const q = lookupQueue(eq, config.defaultQueue);
  if (q) return { queue: q, created: false };
  if (config.createMissingQueues) return { queue: newMissingQueue(config.defaultQueue), created: true };
  return { error: keyError(config.defaultQueue) };
}

export function publish(config: RoutingConfig, r: RouterOutput): PublishResult {
  const eq = expandQueues(config);
  const steps: string[] = [];
  const dq = defaultQueueAtSenderBuild(config, eq);
  if ('error' in dq) {
    steps.push(`task_default_queue ${pyRepr(config.defaultQueue)} is not in task_queues and task_create_missing_queues is off: building the sender raises ${dq.error} (amqp.py:435,552-554)`);
    return { ok: false, error: dq.error, steps };
  }
  const decidedBy: Published['decidedBy'] = {};
  const autoCreated: XQueue[] = [];
  let queue = r.queue;
  let exchange = r.exchange;
  let routingKey = r.routingKey;
  if (r.decidedBy.exchange && exchange !== null) decidedBy.exchange = r.decidedBy.exchange;
  if (r.decidedBy.routing_key && routingKey !== null) decidedBy.routing_key = r.decidedBy.routing_key;
  if (queue && r.decidedBy.queue) decidedBy.queue = r.decidedBy.queue;

  if (queue === null && exchange === null) {
    // amqp.py:467-468
    queue = dq.queue;
    if (dq.created) autoCreated.push(dq.queue);
    decidedBy.queue = { by: 'default', setting: 'task_default_queue' };
    steps.push(`no queue and no exchange: Celery publishes to the default queue ${pyRepr(queue.display)} (amqp.py:467-468)`);
  }
  // amqp.py:482-486
  let exchangeType = r.exchangeType;
  if (exchangeType === null) exchangeType = queue && queue.exchange ? queue.exchange.type : 'direct';

  if ((!exchange || !routingKey) && exchangeType === 'direct') {
    // amqp.py:488-490: the anonymous exchange, straight to the queue by name
    const qname = queue ? queue.name : null;
    const ignored = [exchange ? `exchange=${pyRepr(exchange)}` : '', routingKey ? `routing_key=${pyRepr(routingKey)}` : '']
      .filter(Boolean).join(' and ');
    steps.push(`direct exchange type and ${!exchange && !routingKey ? 'no exchange/routing_key' : !routingKey ? 'no routing_key' : 'no exchange'} → published to the default exchange '' with routing key ${qname === null ? 'None' : pyRepr(qname)}${ignored ? ` (${ignored} ignored)` : ''} (amqp.py:488-490)`);
    exchange = '';
    routingKey = qname;
    decidedBy.exchange = { by: 'celery', detail: "direct queue without both exchange and routing_key → default exchange ''" };
    decidedBy.routing_key = { by: 'celery', detail: 'the queue name (anonymous exchange)' };
  } else if (exchange === null) {
    // amqp.py:491-494 (queue is set here: exchange None ⇒ default queue above)
    const q = queue!;
    if (q.exchange && q.exchange.name) {
      exchange = q.exchange.name;
      decidedBy.exchange = { by: 'queue', queue: q.display, detail: `the queue's exchange ${pyRepr(exchange)}` };
    } else {
      exchange = eq.defaultExchange.name;
      decidedBy.exchange = { by: 'default', setting: 'task_default_exchange' };
    }
    if (!routingKey) {
      if (q.routingKey) {
        routingKey = q.routingKey;
        decidedBy.routing_key = { by: 'queue', queue: q.display, detail: `the queue's binding key ${pyRepr(routingKey)}` };
        steps.push(`${exchangeType} queue ${pyRepr(q.display)} without a routing_key → its binding key ${pyRepr(routingKey)} is used literally as routing key (amqp.py:494)`);
      } else {
        routingKey = config.defaultRoutingKey;
        decidedBy.routing_key = { by: 'default', setting: 'task_default_routing_key' };
      }
    }
    steps.push(`${exchangeType} exchange → published to ${pyRepr(exchange)} with routing key ${pyRepr(routingKey)}`);
  } else {
    steps.push(`exchange ${pyRepr(exchange)} given explicitly → published there with routing key ${routingKey === null ? 'None' : pyRepr(routingKey)} as is (amqp.py:488-494)`);
  }
  const declare = queue && !queue.broadcast ? [queue] : [];
  if (queue?.broadcast) steps.push(`Broadcast queue ${pyRepr(queue.display)} is not declared by the producer (amqp.py:495)`);
  return {
    ok: true,
    pub: { queue, exchange, routingKey, exchangeType, priority: r.priority, declare, decidedBy, autoCreated },
    steps,
  };
}
