// Exchanges, bindings and broker differences; expectations from real Celery 5.2.6 + RabbitMQ 3.10
// + Redis 7 (broker_e2e.py, fresh broker state per configuration).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Q, X, config, map, send } from './helpers';
import { declaredBindings, expandQueues, workerBroker, redisWorkerState } from '../../../server/src/routing/index';

/*
task_queue_max_priority = 10
task_queues = (Queue('celery'), Queue('video'), Queue('image', queue_arguments={'x-max-priority': 3}),
  Queue('a', Exchange('shared', type='direct'), 'a'), Queue('b', Exchange('shared', type='topic'), 'b.#'),
  Queue('bound', [binding(events, routing_key='notify.sms.#')]))
task_routes = ({'p.empty': {}, 'p.none': None}, {'p.empty': 'video', 'p.none': 'video', 'p.next': 'image'})
*/
const events = X('events', 'topic');
const s2 = config({
  queueMaxPriority: 10,
  queues: [
    Q('celery'), Q('video'), Q('image', null, null, { queueArguments: { 'x-max-priority': 3 } }),
    Q('a', X('shared', 'direct'), 'a'), Q('b', X('shared', 'topic'), 'b.#'),
    Q('bound', null, null, { bindings: [{ exchange: events, routingKey: 'notify.sms.#' }] }),
  ],
  routes: [
    map([['p.empty', {}], ['p.none', null]]),
    map([['p.empty', 'video'], ['p.none', 'video'], ['p.next', 'image']]),
  ],
});

test('8. plain queues are bound to the default exchange with the default key: exchange=celery fans in', () => {
  const t = send(s2, 'x', { exchange: 'celery', routing_key: 'celery' });
  assert.equal(t.queue, 'celery');
  assert.equal(t.exchange, 'celery');
  // 'bound' (bindings only) is NOT bound to celery/celery by a worker (kombu copies the queue)
  assert.deepEqual(t.deliveredTo, ['celery', 'image', 'video']);
  assert.deepEqual(t.deliveredToRedis, ['celery', 'image', 'video']);
  const u = send(s2, 'x', { exchange: 'celery', routing_key: 'video' });
  assert.deepEqual(u.deliveredTo, []);
  assert.equal(u.dropped, true);
});

test('15. router chain: {} stops the chain → default queue; None value → TypeError; next router used when no match', () => {
  const t = send(s2, 'p.empty');
  assert.equal(t.queue, 'celery');
  assert.deepEqual(t.deliveredTo, ['celery']);
  assert.ok(t.steps.some((s) => s.includes('empty route')));
  const n = send(s2, 'p.none');
  assert.equal(n.error, "TypeError: 'NoneType' object is not iterable");
  assert.deepEqual(n.deliveredTo, []);
  const x = send(s2, 'p.next');
  assert.equal(x.queue, 'image');
  assert.deepEqual(x.matchedRoute, { router: 1, entry: 2, loc: undefined });
});

test('18. exchange redeclared with another type: the worker declare fails, every publish to it fails on RabbitMQ', () => {
  const eq = expandQueues(s2);
  const wb = workerBroker(eq);
  assert.deepEqual(wb.errors.map((e) => e.queue), ['b']);
  assert.match(wb.errors[0].error, /^406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'shared'/);
  const rs = redisWorkerState(eq);
  assert.deepEqual(rs.errors, [{ queue: 'b', error: "NotEquivalentError: Cannot redeclare exchange 'shared' in vhost '/' with different type, durable, autodelete or arguments value." }]);
  const t = send(s2, 'x', { queue: 'b' });
  assert.equal(t.exchange, 'shared');
  assert.equal(t.routingKey, 'b.#');
  assert.match(t.brokerError ?? '', /^406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'shared' in vhost '\/': received 'topic' but current is 'direct'$/);
  assert.deepEqual(t.deliveredTo, []);
  // Redis: the producer's own connection accepts 'shared' as topic; the worker's direct row (empty regex) matches every key
  assert.deepEqual(t.deliveredToRedis, ['a', 'b']);
  assert.equal(send(s2, 'x', { queue: 'a' }).deliveredTo[0], 'a');
});

test('Redis: an exchange the producer did not declare is routed as direct', () => {
  const t = send(s2, 'x', { exchange: 'events', routing_key: 'notify.sms.x' });
  assert.equal(t.queue, 'celery');
  assert.deepEqual(t.deliveredTo, ['bound']);
  assert.deepEqual(t.deliveredToRedis, []);
  assert.equal(t.droppedOnRedis, true);
  assert.ok(t.steps.some((s) => s.includes('routes it as direct')));
});

test('21. task_queue_max_priority only where x-max-priority is missing', () => {
  const eq = expandQueues(s2);
  assert.deepEqual(eq.byName.get('image')!.queueArguments, { 'x-max-priority': 3 });
  assert.deepEqual(eq.byName.get('video')!.queueArguments, { 'x-max-priority': 10 });
});

test('a Queue object in apply_async is used as is (topic exchange, its own key)', () => {
  const t = send(s2, 'x', { queue: Q('zz', X('zt', 'topic'), 'z.*') });
  assert.equal(t.queue, 'zz');
  assert.equal(t.exchange, 'zt');
  assert.equal(t.routingKey, 'z.*');
  assert.deepEqual(t.deliveredTo, ['zz']);
  assert.equal(expandQueues(s2).byName.has('zz'), false);
});

/*
task_default_queue = 'default'; task_default_exchange = 'tasks'; task_default_exchange_type = 'topic'
task_default_routing_key = 'task.default'
task_queues = (Queue('default', routing_key='task.#'), Queue('payments', routing_key='payments'),
  Queue('bound', [binding(events, routing_key='notify.#')]),
  Queue.from_dict('dq', exchange='dx', exchange_type='fanout', binding_key='k1'))
task_routes = {'p.rkonly': {'routing_key': 'payments'}, 'p.bound': 'bound'}
*/
const s4 = config({
  defaultQueue: 'default', defaultExchange: 'tasks', defaultExchangeType: 'topic', defaultRoutingKey: 'task.default',
  queues: [
    Q('default', null, 'task.#'), Q('payments', null, 'payments'),
    Q('bound', null, null, { bindings: [{ exchange: events, routingKey: 'notify.#' }] }),
    Q('dq', X('dx', 'fanout'), null, { fromDict: true, bindingKey: 'k1' }),
  ],
  routes: [map([['p.rkonly', { routing_key: 'payments' }], ['p.bound', 'bound']])],
});

test('5. topic default exchange: a route with only routing_key goes through it', () => {
  const t = send(s4, 'p.rkonly');
  assert.equal(t.queue, 'default');
  assert.equal(t.exchange, 'tasks');
  assert.equal(t.routingKey, 'payments');
  assert.deepEqual(t.deliveredTo, ['payments']);
  assert.deepEqual(t.deliveredToRedis, ['payments']);
  const u = send(s4, 'x');
  assert.equal(u.routingKey, 'task.#');
  assert.deepEqual(u.deliveredTo, ['default']);
});

test('bindings-only queue: the producer (not the worker) binds it to the default exchange (Celery 5.2)', () => {
  const q = expandQueues(s4).byName.get('bound')!;
  assert.deepEqual(declaredBindings(q).map((b) => b.exchange), ['', 'events']);
  assert.deepEqual(declaredBindings(q, 'producer').map((b) => `${b.exchange}/${b.routingKey}`), ['/bound', 'tasks/task.default', 'events/notify.#']);
  const t = send({ ...s4, celeryVersion: '5.2' }, 'p.bound');
  assert.equal(t.exchange, 'tasks');
  assert.equal(t.routingKey, 'task.default');
  assert.deepEqual(t.deliveredTo, ['bound', 'default']);
  assert.deepEqual(t.deliveredToRedis, ['bound', 'default']);
  // kombu 5.5 with task_publish_retry (default): the producer declares the bound copy too (fixture 17 #8)
  const t55 = send({ ...s4, celeryVersion: '5.5' }, 'p.bound');
  assert.equal(t55.exchange, 'tasks');
  assert.deepEqual(t55.deliveredTo, ['default']);
  // Redis: this producer no longer declares the topic exchange 'tasks', so kombu routes it as direct there
  assert.deepEqual(t55.deliveredToRedis, []);
  assert.deepEqual(send({ ...s4, celeryVersion: '5.5', publishRetry: false }, 'p.bound').deliveredTo, ['bound', 'default']);
});

test('dict-form queue (Queue.from_dict): binding_key, fanout exchange; Redis PUB/SUB', () => {
  const t = send(s4, 'x', { queue: 'dq' });
  assert.equal(t.exchange, 'dx');
  assert.equal(t.routingKey, 'k1');
  assert.deepEqual(t.deliveredTo, ['dq']);
  assert.deepEqual(t.deliveredToRedis, []);
  assert.deepEqual(t.redisPubSub, ['/0.dx/k1']);
  const a = send(s4, 'x', { queue: 'auto1' });
  assert.equal(a.exchange, '');
  assert.deepEqual(a.deliveredTo, ['auto1']);
  assert.deepEqual(a.autoCreated, ['auto1']);
});
