import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift, ConfigTopology, DriftCode, hasDrift, isCeleryInternalQueue } from '../../server/src/broker/drift';
import type { BrokerSnapshot, ExchangeSnapshot, QueueSnapshot } from '../../server/src/broker/snapshot';
import { formatDriftJson, formatDriftText, driftExitCode } from '../../server/src/broker/cli-report';
import { planFromTopology } from '../../server/src/broker/plan';
import { lookupQueues, listForPriority, parseBindingRow, queueLists, splitPriorityList, topicPattern, typeHint } from '../../server/src/broker/kombuRedis';

function q(name: string, extra: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return { name, type: 'classic', exists: true, durable: true, autoDelete: false, exclusive: false, arguments: {}, state: 'running',
    messagesReady: 0, messagesUnacknowledged: 0, consumers: 1, rates: null, ...extra };
}
function x(name: string, type: string | null, bindings: Array<[string, string]> = [], extra: Partial<ExchangeSnapshot> = {}): ExchangeSnapshot {
  return { name, type, durable: true, autoDelete: false, internal: false, arguments: {},
    bindings: bindings.map(([dest, rk]) => ({ exchange: name, destination: dest, destinationType: 'queue', routingKey: rk, arguments: {} })), ...extra };
}
function rabbit(exchanges: ExchangeSnapshot[], queues: QueueSnapshot[]): BrokerSnapshot {
  return { kind: 'rabbitmq', url: 'amqp://guest:***@h//', takenAt: '', server: { product: 'RabbitMQ', version: '3.10' }, source: 'management-api',
    capabilities: { exchangeTypes: true, bindings: true, consumers: true, queueArguments: true, listsAllQueues: true },
    currentVhost: '/', vhosts: [{ name: '/', exchanges, queues, unackedTotal: 0 }], warnings: [] };
}

const config: ConfigTopology = {
  exchanges: [{ name: 'events', type: 'topic' }, { name: 'default', type: 'direct' }],
  queues: [
    { name: 'default', exchange: { name: 'default', type: 'direct' }, routingKey: 'default', bindings: [{ exchange: 'default', routingKey: 'default' }], routedTo: true, consumedBy: ['w1'] },
    { name: 'payments', exchange: { name: 'events', type: 'topic' }, routingKey: 'payment.#', bindings: [{ exchange: 'events', exchangeType: 'topic', routingKey: 'payment.#' }],
      queueArguments: { 'x-max-priority': 10 }, routedTo: true, consumedBy: ['w2'] },
    { name: 'lonely', exchange: null, routingKey: null, bindings: [], routedTo: false, consumedBy: [] },
  ],
};

const clean = () => rabbit(
  [x('', 'direct'), x('amq.topic', 'topic'), x('default', 'direct', [['default', 'default']]), x('events', 'topic', [['payments', 'payment.#']])],
  [q('default'), q('payments', { arguments: { 'x-max-priority': 10 } }), q('lonely'), q('celeryev.abc', { consumers: 0, messagesReady: 3 }),
   q('celery@w1.celery.pidbox'), q('amq.gen-xyz', { exclusive: true }), q('bcast.1234')],
);

test('a matching broker has no drift (only the config-side info)', () => {
  const r = computeDrift(config, clean());
  assert.deepEqual(r.items.map((i) => i.code), [DriftCode.UnroutedQueue]);
  assert.equal(hasDrift(r), false);
  assert.equal(driftExitCode(r), 0);
  assert.deepEqual(r.checked, { queues: 3, exchanges: 2, bindings: 2 });
});

test('each planted mismatch is found with its code', () => {
  const s = clean();
  const vh = s.vhosts[0];
  vh.queues = vh.queues.filter((qq) => qq.name !== 'default'); // missing queue
  vh.queues.push(q('stray', { messagesReady: 4, consumers: 0 })); // unexpected + no consumers
  vh.exchanges.find((e) => e.name === 'events')!.type = 'direct'; // type mismatch
  vh.queues.find((qq) => qq.name === 'payments')!.arguments = { 'x-max-priority': 5 }; // argument mismatch
  vh.queues.find((qq) => qq.name === 'payments')!.messagesReady = 2;
  vh.queues.find((qq) => qq.name === 'payments')!.consumers = 0;
  const r = computeDrift(config, s);
  const codes = r.items.map((i) => `${i.code}:${i.queue ?? i.exchange}`).sort();
  assert.deepEqual(codes, [
    'exchange-type-mismatch:events',
    'messages-no-consumers:payments',
    'messages-no-consumers:stray',
    'missing-queue:default',
    'queue-argument-mismatch:payments',
    'unexpected-queue:stray',
    'unrouted-queue:lonely',
  ]);
  const arg = r.items.find((i) => i.code === DriftCode.QueueArgumentMismatch)!;
  assert.equal(arg.argument, 'x-max-priority');
  assert.equal(arg.expected, 10);
  assert.equal(arg.actual, 5);
  assert.match(arg.message, /406/);
  assert.match(r.items.find((i) => i.code === 'messages-no-consumers' && i.queue === 'payments')!.message, /w2/);
  assert.equal(r.items[0].severity, 'error');
  assert.equal(hasDrift(r), true);
  assert.equal(driftExitCode(r), 1);
});

test('missing exchange and binding; quorum vs classic', () => {
  const s = clean();
  const vh = s.vhosts[0];
  vh.exchanges = vh.exchanges.filter((e) => e.name !== 'events');
  vh.exchanges.find((e) => e.name === 'default')!.bindings = [];
  vh.queues.find((qq) => qq.name === 'default')!.type = 'quorum';
  const r = computeDrift(config, s);
  const codes = r.items.map((i) => i.code);
  assert.ok(codes.includes(DriftCode.MissingExchange));
  assert.ok(codes.includes(DriftCode.MissingBinding));
  const qt = r.items.find((i) => i.argument === 'x-queue-type');
  assert.equal(qt?.expected, 'classic');
  assert.equal(qt?.actual, 'quorum');
  // the binding to the missing exchange is not reported twice
  assert.equal(r.items.filter((i) => i.exchange === 'events').length, 1);
});

test('broadcast queues: only the fanout exchange is checked', () => {
  const cfg: ConfigTopology = {
    exchanges: [],
    queues: [{ name: 'bc', broadcast: true, exchange: { name: 'bc', type: 'fanout' }, routingKey: null, bindings: [{ exchange: 'bc', exchangeType: 'fanout', routingKey: null }], routedTo: true, consumedBy: ['w'] }],
  };
  assert.deepEqual(computeDrift(cfg, rabbit([x('bc', 'fanout')], [q('bcast.aaaa')])).items, []);
  assert.deepEqual(computeDrift(cfg, rabbit([], [])).items.map((i) => i.code), [DriftCode.MissingExchange]);
});

test('Redis: binding rows and lists are compared; types only through regex hints', () => {
  const snap: BrokerSnapshot = {
    kind: 'redis', url: 'redis://h:6379/12', takenAt: '', server: { product: 'Redis', version: '7' }, source: 'redis',
    capabilities: { exchangeTypes: false, bindings: true, consumers: false, queueArguments: false, listsAllQueues: true },
    currentVhost: '12',
    vhosts: [{ name: '12', unackedTotal: 0, exchanges: [
      { ...x('default', null), typeHint: 'direct-or-fanout', bindings: [{ exchange: 'default', destination: 'default', destinationType: 'queue', routingKey: 'default', arguments: {}, pattern: '' }] },
      { ...x('events', null), typeHint: 'direct-or-fanout', bindings: [{ exchange: 'events', destination: 'payments', destinationType: 'queue', routingKey: 'payment.#', arguments: {}, pattern: '' }] },
    ], queues: [
      { ...q('default'), type: 'list', consumers: null, messagesUnacknowledged: null, messagesReady: 0 },
      { ...q('payments'), type: 'list', consumers: null, messagesUnacknowledged: null, messagesReady: 0 },
      { ...q('lonely'), type: 'list', consumers: null, messagesUnacknowledged: null, messagesReady: 5 },
      { ...q('other'), type: 'list', consumers: null, messagesUnacknowledged: null, messagesReady: 1 },
    ] }],
    warnings: [],
  };
  const r = computeDrift(config, snap);
  const codes = r.items.map((i) => `${i.code}:${i.queue ?? i.exchange}`).sort();
  assert.deepEqual(codes, [
    'exchange-type-mismatch:events', // topic in config, rows stored as direct
    'messages-no-consumers:lonely', // nobody in the config consumes it
    'unexpected-queue:other',
    'unrouted-queue:lonely',
  ]);
  assert.ok(r.notes.some((n) => /Redis/.test(n)));
});

test('celery internals are never unexpected', () => {
  for (const n of ['celeryev.1', 'celery@host.celery.pidbox', 'abc.reply.celery.pidbox', 'amq.gen-1', 'bcast.x', '5f1d3c2a-1111-2222-3333-444455556666']) {
    assert.ok(isCeleryInternalQueue(n), n);
  }
  assert.ok(!isCeleryInternalQueue('celery'));
});

test('reports: text and JSON, redacted, exit code', () => {
  const s = clean();
  s.url = 'amqp://guest:guest@h//'; // even if a caller forgot to redact
  s.vhosts[0].queues.push(q('stray'));
  const r = computeDrift(config, s);
  const text = formatDriftText(r, s);
  assert.match(text, /unexpected-queue/);
  assert.ok(!text.includes('guest@'), text);
  const json = JSON.parse(formatDriftJson(r, s));
  assert.equal(json.drift, true);
  assert.ok(!JSON.stringify(json).includes(':guest@'));
  assert.equal(json.items[0].code, 'unexpected-queue');
});

test('planFromTopology mirrors what workers declare', () => {
  const p = planFromTopology(config);
  assert.deepEqual(p.exchanges.map((e) => `${e.name}:${e.type}`).sort(), ['default:direct', 'events:topic']);
  assert.deepEqual(p.queues.map((qq) => qq.name), ['default', 'payments', 'lonely']);
  assert.deepEqual(p.queues[1].arguments, { 'x-max-priority': 10 });
  assert.deepEqual(p.bindings.map((b) => `${b.exchange}>${b.queue}:${b.routingKey}`), ['default>default:default', 'events>payments:payment.#']);
});

test('kombu Redis key layout', () => {
  assert.equal(listForPriority('q', 0), 'q');
  assert.equal(listForPriority('q', 2), 'q');
  assert.equal(listForPriority('q', 5), 'q\x06\x163');
  assert.equal(listForPriority('q', 8), 'q\x06\x166');
  assert.equal(listForPriority('q', 9), 'q\x06\x169');
  assert.equal(listForPriority('q', 42), 'q\x06\x169');
  assert.deepEqual(queueLists('q'), ['q', 'q\x06\x163', 'q\x06\x166', 'q\x06\x169']);
  assert.deepEqual(splitPriorityList('a.b\x06\x166'), { queue: 'a.b', step: 6 });
  assert.equal(splitPriorityList('a.b'), null);
  assert.deepEqual(parseBindingRow('ex', 'rk\x06\x16\x06\x16q'), { exchange: 'ex', routingKey: 'rk', pattern: '', queue: 'q' });
  assert.equal(topicPattern('user.*'), '^user\\..*?[^\\.]$');
  assert.equal(topicPattern('order.#'), '^order\\..*?$');
  const rows = [parseBindingRow('e', `user.*\x06\x16${topicPattern('user.*')}\x06\x16u`), parseBindingRow('e', `order.#\x06\x16${topicPattern('order.#')}\x06\x16o`)];
  // kombu quirks: `*` spans words, `order.#` does not match `order`
  assert.deepEqual(lookupQueues('topic', rows, 'user.profile.updated'), ['u']);
  assert.deepEqual(lookupQueues('topic', rows, 'order'), []);
  assert.deepEqual(lookupQueues('direct', rows, 'user.*'), ['u']);
  assert.equal(typeHint(rows), 'topic');
  assert.equal(typeHint([parseBindingRow('e', 'k\x06\x16\x06\x16q')]), 'direct-or-fanout');
});
