// Celery 5.5 quorum queues and native delayed delivery (the differential suite checks the same against real
// Celery 5.5.2 / 5.2.6 and real RabbitMQ in fixtures 52-55; these pin the pieces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B, Q, X, config, map } from './helpers';
import { delayedRoutingKey, routeMessage } from '../../../server/src/routing/index';

const events = X('events', 'topic');
const quorumTopic = (over = {}) => config({
  queues: [
    Q('celery', X('celery'), 'celery', { queueArguments: { 'x-queue-type': 'quorum' } }),
    Q('events', events, 'events.#'),
    Q('audit', events, '#'),
    B('reload_config'),
  ],
  ...over,
});
const send = (cfg: ReturnType<typeof config>, task: string, options = {}) => routeMessage(cfg, { task, options, via: 'apply_async', now: Date.parse('2030-01-01T00:00:00Z') });

test('calculate_routing_key: 28 bits, one word each, then the binding key', () => {
  assert.equal(delayedRoutingKey(1, 'events.#'), `${'0.'.repeat(27)}1.events.#`);
  assert.equal(delayedRoutingKey(10, 'celery'), `${'0.'.repeat(24)}1.0.1.0.celery`);
});

test('5.5: countdown on a topic queue goes through celery_delayed_27, lands after the delay', () => {
  const r = send(quorumTopic(), 'x', { queue: 'events', countdown: 3 });
  assert.equal(r.exchange, 'celery_delayed_27');
  assert.equal(r.routingKey, delayedRoutingKey(3, 'events.#'));
  assert.deepEqual(r.deliveredTo, ['celery_delayed_1']);
  assert.equal(r.delayed?.mode, 'rerouted');
  assert.deepEqual(r.delayed?.deliveredAfterDelay, ['audit', 'events']);
});

test('5.5: eta wins over countdown; a past eta or countdown 0 is not delayed; 0 < countdown < 1 raises', () => {
  const eta = send(quorumTopic(), 'x', { queue: 'events', countdown: 1, eta: '2030-01-01T00:00:02' });
  assert.equal(eta.routingKey, delayedRoutingKey(2, 'events.#'));
  assert.equal(send(quorumTopic(), 'x', { queue: 'events', eta: '2001-01-01T00:00:00Z' }).exchange, 'events');
  assert.equal(send(quorumTopic(), 'x', { queue: 'events', countdown: 0 }).exchange, 'events');
  assert.equal(send(quorumTopic(), 'x', { queue: 'events', countdown: 0.5 }).error, 'ValueError: countdown must be a positive number');
});

test('5.5: direct queue only warns; a route without a queue raises KeyError; worker bindings widen topics', () => {
  const direct = send(quorumTopic(), 'x', { countdown: 30 });
  assert.equal(direct.delayed?.mode, 'direct-warning');
  assert.deepEqual(direct.deliveredTo, ['celery']);
  const noQueue = send(quorumTopic({ routes: [map([['raw', { exchange: 'events', routing_key: 'events.raw' }]])] }), 'raw');
  assert.equal(noQueue.error, "KeyError: 'queue'");
  // '#.events.#' from the DelayedDelivery bootstep matches billing.events.paid
  assert.deepEqual(send(quorumTopic(), 'x', { queue: 'events', routing_key: 'billing.events.paid' }).deliveredTo, ['audit', 'events']);
});

test('5.2: none of it (the same config)', () => {
  const cfg = quorumTopic({ celeryVersion: '5.2' });
  const r = send(cfg, 'x', { queue: 'events', countdown: 3 });
  assert.equal(r.exchange, 'events');
  assert.equal(r.delayed, undefined);
  assert.deepEqual(send(cfg, 'x', { queue: 'events', routing_key: 'billing.events.paid' }).deliveredTo, ['audit']);
});

test('task_default_queue_type=quorum: quorum default queue on 5.5 (x-max-priority refused), ignored on 5.2', () => {
  const cfg = (v: string) => config({ defaultQueueType: 'quorum', queueMaxPriority: 10, celeryVersion: v });
  assert.match(send(cfg('5.5'), 'x').brokerError ?? '', /invalid arg 'x-max-priority'.*rabbit_quorum_queue/);
  assert.deepEqual(send(cfg('5.2'), 'x').deliveredTo, ['celery']);
  const redis = config({ defaultQueueType: 'quorum', transport: 'redis', queues: [Q('q', events, 'q.#')] });
  assert.equal(send(redis, 'x', { queue: 'q', countdown: 5 }).exchange, 'events');
});
