// task_create_missing_queues and the default queue (surprises 11-13); real Celery 5.2.6 outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Q, X, config, map, send } from './helpers';

// task_create_missing_queues = False; task_queues = (Queue('hi', Exchange('hi'), routing_key='hi'),)  (default 'celery' undeclared)
const off = config({
  createMissingQueues: false,
  queues: [Q('hi', X('hi'), 'hi')],
  routes: [map([['p.hi', { queue: 'hi' }], ['p.nope', 'nope'], ['p.qobj', { queue: Q('zz', X('zz'), 'zz') }]])],
});

test('12. default queue undeclared + create_missing off: every send fails, even routed ones', () => {
  const t = send(off, 'p.hi');
  assert.equal(t.error, "KeyError: 'celery'");
  assert.equal(t.queue, 'hi');
  assert.deepEqual(t.deliveredTo, []);
  assert.equal(send(off, 'p.qobj').error, "KeyError: 'celery'");
  // unrouted ones raise QueueNotFound (the router runs first)
  assert.equal(send(off, 'x').error, `QueueNotFound: "Queue 'celery' missing from task_queues"`);
  assert.equal(send(off, 'x', { exchange: 'hi', routing_key: 'hi' }).error, `QueueNotFound: "Queue 'celery' missing from task_queues"`);
});

test('13. create_missing off: routes / apply_async / decorator to undeclared names raise QueueNotFound', () => {
  const cfg = config({ createMissingQueues: false, defaultQueue: 'hi', defaultExchange: 'hi', defaultRoutingKey: 'hi', queues: [Q('hi', X('hi'), 'hi')], routes: [map([['p.nope', 'nope']])] });
  assert.equal(send(cfg, 'p.nope').error, `QueueNotFound: "Queue 'nope' missing from task_queues"`);
  assert.equal(send(cfg, 'x', {}, { queue: 'gone' }).error, `QueueNotFound: "Queue 'gone' missing from task_queues"`);
  // repr switches quotes like Python: 'Queue "n\'o" missing from task_queues'
  assert.equal(send(cfg, 'x', { queue: "n'o" }).error, `QueueNotFound: 'Queue "n\\'o" missing from task_queues'`);
  const ok = send(cfg, 'x');
  assert.equal(ok.error, null);
  assert.deepEqual(ok.deliveredTo, ['hi']);
  // a Queue object is still accepted
  const q = send(cfg, 'x', { queue: Q('zz', X('zz'), 'zz') });
  assert.equal(q.error, null);
  assert.equal(q.queue, 'zz');
  assert.deepEqual(q.deliveredTo, ['zz']);
});

test('12. default queue not in task_queues with create_missing on: auto-created plain direct queue', () => {
  const cfg = config({ defaultQueue: 'default', queues: [Q('hi', X('hi'), 'hi')] });
  const t = send(cfg, 'x');
  assert.equal(t.queue, 'default');
  assert.equal(t.exchange, '');
  assert.deepEqual(t.autoCreated, ['default']);
  assert.deepEqual(t.deliveredTo, ['default']);
  assert.deepEqual(t.publish?.declare, ['default']);
});

test('empty task_queues → the single default queue from the defaults', () => {
  const cfg = config({ queues: [], defaultExchangeType: 'topic', defaultRoutingKey: 'task.default', defaultExchange: 'tasks' });
  const t = send(cfg, 'x');
  assert.equal(t.queue, 'celery');
  assert.equal(t.exchange, 'tasks');
  assert.equal(t.routingKey, 'task.default');
  assert.deepEqual(t.deliveredTo, ['celery']);
  assert.deepEqual(t.autoCreated, []);
});

test('16/17. a configuration error (ImproperlyConfigured) is the error of every send', () => {
  const t = send(config({ configError: 'ImproperlyConfigured: mixing old and new names' }), 'x');
  assert.equal(t.error, 'ImproperlyConfigured: mixing old and new names');
  assert.equal(t.queue, null);
});
