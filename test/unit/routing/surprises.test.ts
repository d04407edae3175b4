// The surprises of docs/celery-routing-semantics.md, on one configuration. Every expectation
// below was produced by real Celery 5.2.6 (oracle route.py) and real brokers (broker_e2e.py:
// RabbitMQ 3.10 and Redis 7, fresh state per call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B, Q, X, config, map, send } from './helpers';

/*
events = Exchange('events', type='topic'); fx = Exchange('fx', type='fanout'); hx = Exchange('hx', type='headers')
task_default_queue = 'default'; task_default_priority = 5
task_queues = (Queue('default', Exchange('default'), routing_key='default'),
  Queue('payments', Exchange('payments'), routing_key='payments'), Queue('video'), Queue('image'),
  Queue('logs_all', events, routing_key='app.#'), Queue('logs_errors', events, routing_key='app.error'),
  Queue('bound', [binding(events, routing_key='notify.sms.#')]), Queue('f1', fx), Queue('f2', fx),
  Queue('h1', hx, binding_arguments={'x-match': 'all', 'task': 'p.h'}), Broadcast('bc'))
*/
const events = X('events', 'topic');
const fx = X('fx', 'fanout');
const hx = X('hx', 'headers');
const cfg = config({
  defaultQueue: 'default',
  defaultPriority: 5,
  queues: [
    Q('default', X('default'), 'default'),
    Q('payments', X('payments'), 'payments'),
    Q('video'),
    Q('image'),
    Q('logs_all', events, 'app.#'),
    Q('logs_errors', events, 'app.error'),
    Q('bound', null, null, { bindings: [{ exchange: events, routingKey: 'notify.sms.#' }] }),
    Q('f1', fx),
    Q('f2', fx),
    Q('h1', hx, null, { bindingArguments: { 'x-match': 'all', task: 'p.h' } }),
    B('bc'),
  ],
  routes: [map([
    ['p.rk', { queue: 'payments', routing_key: 'payment.capture' }],
    ['p.drop', { queue: 'payments', routing_key: 'payment.capture', exchange: 'payments' }],
    ['p.rkonly', { routing_key: 'payments' }],
    ['p.exonly', { exchange: 'payments', routing_key: 'payouts' }],
    ['p.prio', { queue: 'payments', priority: 9 }],
    ['p.logs', { queue: 'logs_all', routing_key: 'app.info' }],
    ['p.bound', 'bound'],
    ['p.f', 'f1'],
    ['p.h', 'h1'],
    ['p.bc', 'bc'],
    ['p.bcx', { queue: 'bc', exchange: 'bc' }],
    ['reports.v?.build', 'video'],
    ['reports.*', 'image'],
    ['reports.x.*', 'video'],
    ['re:imgs\\.(thumb|crop)', 'image'],
    ['p.auto', 'newq'],
  ])],
});

test('1. direct queue: the route routing_key is ignored, published via the default exchange', () => {
  const t = send(cfg, 'p.rk');
  assert.equal(t.queue, 'payments');
  assert.equal(t.exchange, '');
  assert.equal(t.routingKey, 'payments');
  assert.deepEqual(t.deliveredTo, ['payments']);
  assert.deepEqual(t.redisLists, ['payments\x06\x163']);
  assert.ok(t.steps.some((s) => s.includes("published to the default exchange '' with routing key 'payments'")));
  // apply_async(routing_key=...) alone / exchange=... alone do nothing
  for (const o of [{ routing_key: 'work.high' }, { exchange: 'work' }]) {
    const u = send(cfg, 'x', o);
    assert.equal(u.exchange, '');
    assert.equal(u.routingKey, 'default');
    assert.deepEqual(u.deliveredTo, ['default']);
  }
});

test('2. exchange AND routing_key on a direct queue → through the exchange, dropped on mismatch', () => {
  const t = send(cfg, 'p.drop');
  assert.equal(t.exchange, 'payments');
  assert.equal(t.routingKey, 'payment.capture');
  assert.deepEqual(t.deliveredTo, []);
  assert.equal(t.dropped, true);
  assert.equal(t.droppedOnRedis, true);
  assert.equal(t.error, null);
});

test('3. precedence: apply_async queue beats the route, the route routing_key survives (topic)', () => {
  const t = send(cfg, 'p.logs', { queue: 'logs_errors' });
  assert.equal(t.queue, 'logs_errors');
  assert.equal(t.exchange, 'events');
  assert.equal(t.routingKey, 'app.info');
  assert.deepEqual(t.deliveredTo, ['logs_all']);
  assert.deepEqual(t.deliveredToRedis, ['logs_all']);
  assert.equal(t.decidedBy.queue?.by, 'apply_async');
  assert.equal(t.decidedBy.routing_key?.by, 'route');
  assert.ok(t.steps.some((s) => s.includes("apply_async queue='logs_errors' overrides the route's queue='logs_all'")));
  // the decorator's queue also beats the route
  const u = send(cfg, 'p.rk', {}, { queue: 'video' });
  assert.equal(u.queue, 'video');
  assert.equal(u.decidedBy.queue?.by, 'task-attribute');
  assert.deepEqual(u.deliveredTo, ['video']);
});

test('4. task_default_priority beats the route priority; send_task ignores it', () => {
  const t = send(cfg, 'p.prio');
  assert.equal(t.priority, 5);
  assert.equal(t.decidedBy.priority?.by, 'task_default_priority');
  assert.deepEqual(t.redisLists, ['payments\x06\x163']);
  const s = send(cfg, 'p.prio', {}, undefined, 'send_task');
  assert.equal(s.priority, 9);
  assert.equal(s.decidedBy.priority?.by, 'route');
  assert.deepEqual(s.redisLists, ['payments\x06\x169']);
  const a = send(cfg, 'x', { queue: 'logs_all', priority: 7 });
  assert.equal(a.priority, 7);
  assert.equal(a.routingKey, 'app.#');
  assert.deepEqual(a.deliveredTo, ['logs_all']);
  assert.deepEqual(a.redisLists, ['logs_all\x06\x166']);
});

test('5. a route without queue → default queue; exchange+rk without queue → that exchange', () => {
  const t = send(cfg, 'p.rkonly');
  assert.equal(t.queue, 'default');
  assert.equal(t.exchange, '');
  assert.equal(t.routingKey, 'default');
  assert.deepEqual(t.deliveredTo, ['default']);
  const u = send(cfg, 'p.exonly');
  assert.equal(u.queue, null);
  assert.equal(u.exchange, 'payments');
  assert.equal(u.routingKey, 'payouts');
  assert.deepEqual(u.publish?.declare, []);
  assert.equal(u.dropped, true);
  assert.equal(u.droppedOnRedis, true);
});

test('6/7. topic queue publishes with its binding pattern and lands in every matching queue', () => {
  const t = send(cfg, 'p.logs');
  assert.equal(t.routingKey, 'app.info');
  assert.deepEqual(t.deliveredTo, ['logs_all']);
  const u = send(cfg, 'x', { queue: 'logs_all' });
  assert.equal(u.routingKey, 'app.#');
  assert.equal(u.decidedBy.routing_key?.by, 'queue');
  assert.deepEqual(u.deliveredTo, ['logs_all']);
});

test('8. a queue defined only by bindings is still published to by name through the default exchange', () => {
  const t = send(cfg, 'p.bound');
  assert.equal(t.exchange, '');
  assert.equal(t.routingKey, 'bound');
  assert.deepEqual(t.deliveredTo, ['bound']);
});

test('9. fanout: naming one queue delivers to every queue on the exchange (Redis: PUB/SUB)', () => {
  const t = send(cfg, 'p.f');
  assert.equal(t.exchange, 'fx');
  assert.equal(t.routingKey, 'default');
  assert.deepEqual(t.deliveredTo, ['f1', 'f2']);
  assert.deepEqual(t.deliveredToRedis, []);
  assert.deepEqual(t.redisPubSub, ['/0.fx/default']);
  assert.deepEqual(t.redisFanoutQueues, ['f1', 'f2']);
  assert.equal(t.droppedOnRedis, false);
});

test('10. Broadcast: routed by alias, default routing key, never declared by the producer', () => {
  const t = send(cfg, 'p.bc');
  assert.equal(t.queue, 'bc');
  assert.equal(t.exchange, 'bc');
  assert.equal(t.routingKey, 'default');
  assert.deepEqual(t.publish?.declare, []);
  assert.deepEqual(t.deliveredTo, ['bc']);
  // Redis: bc not declared by this producer → routed as direct by the binding rows
  assert.deepEqual(t.redisLists, ['bcast.<uuid>\x06\x163']);
  const u = send(cfg, 'p.bcx');
  assert.equal(u.exchange, 'bc');
  assert.equal(u.routingKey, null);
  assert.deepEqual(u.deliveredTo, ['bc']);
  assert.equal(u.droppedOnRedis, true);
});

test('11. create_missing: an unknown name becomes a direct queue; named like a topic exchange → 406', () => {
  const t = send(cfg, 'p.auto');
  assert.equal(t.queue, 'newq');
  assert.deepEqual(t.autoCreated, ['newq']);
  assert.deepEqual(t.deliveredTo, ['newq']);
  assert.deepEqual(t.redisLists, ['newq\x06\x163']);
  const u = send(cfg, 'x', { queue: 'events' });
  assert.equal(u.exchange, '');
  assert.equal(u.routingKey, 'events');
  assert.match(u.brokerError ?? '', /^406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'events' in vhost '\/': received 'direct' but current is 'topic'$/);
  assert.deepEqual(u.deliveredTo, []);
  assert.deepEqual(u.deliveredToRedis, ['events']); // Redis accepts it
});

test('14. globs: ?/[..] only in keys with *, exact names first, patterns in order; re.compile prefix match', () => {
  assert.equal(send(cfg, 'reports.v1.build').queue, 'image');
  assert.equal(send(cfg, 'reports.v?.build').queue, 'video');
  assert.equal(send(cfg, 'reports.x.y').queue, 'image'); // 'reports.*' listed first wins
  const t = send(cfg, 'imgs.thumbnail');
  assert.equal(t.queue, 'image');
  assert.deepEqual(t.matchedRoute, { router: 0, entry: 14, loc: undefined });
  assert.ok(send(cfg, 'reports.x.y').steps.some((s) => s.startsWith("task_routes[0] entry 'reports.*' (glob) matched → {'queue': 'image'}")));
});

test('19. headers exchange sees the task name; Redis has no headers exchange', () => {
  const t = send(cfg, 'p.h');
  assert.equal(t.exchange, 'hx');
  assert.deepEqual(t.deliveredTo, ['h1']);
  assert.equal(t.redisError, "KeyError: 'headers'");
  // explicit exchange with an empty routing key on a direct queue → '' exchange
  const u = send(cfg, 'x', { exchange: 'hx', routing_key: '' });
  assert.equal(u.exchange, '');
  assert.deepEqual(u.deliveredTo, ['default']);
});

test('20. decorator routing_key without queue is ignored for a direct default queue', () => {
  const t = send(cfg, 'x', {}, { routing_key: 'zz' });
  assert.equal(t.exchange, '');
  assert.equal(t.routingKey, 'default');
  const u = send(cfg, 'x', { routing_key: 'zz' }, { queue: 'video' });
  assert.equal(u.routingKey, 'video');
});
