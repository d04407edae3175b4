import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift } from '../../../server/src/broker/drift';
import { allNodes, buildConnectionNode, findNode, stateText, type ConnectionView, type TreeNode } from '../../../client/src/explorer/model';
import { driftShort, driftSuffix, exchangeDescription, maxPriorityOf, queueDescription, worstSeverity } from '../../../client/src/explorer/labels';
import { config, def, q, queues, rabbit, redis, x } from './helpers';

function brokerWithDrift() {
  // payments missing, 'events' is direct instead of topic, a stray queue with messages and no consumer,
  // 'lonely' is there but nothing routes to it and its binding is missing.
  return rabbit(
    [x('', 'direct'), x('amq.direct', 'direct'), x('default', 'direct', [['default', 'default']]), x('events', 'direct')],
    [
      q('default', { messagesReady: 12, messagesUnacknowledged: 3, consumers: 2, rates: { publish: 1.5, deliver: 12.4, ack: 1 } }),
      q('lonely'),
      q('stray', { messagesReady: 4, consumers: 0 }),
      q('celeryev.1234', { consumers: 0 }),
    ],
  );
}

function view(extra: Partial<ConnectionView> = {}): ConnectionView {
  const snapshot = brokerWithDrift();
  return { def: def(), readOnly: false, state: 'connected', snapshot, drift: computeDrift(config, snapshot), configQueues: queues, ...extra };
}

const byLabel = (root: TreeNode, kind: string, label: string) => findNode([root], (n) => n.kind === kind && n.label === label);

test('RabbitMQ: connection → vhost → Exchanges/Queues; exchanges → bindings → queue', () => {
  const root = buildConnectionNode(view());
  assert.equal(root.kind, 'connection');
  assert.match(root.description ?? '', /RabbitMQ 3\.13\.1/);
  const vhost = root.children.find((c) => c.kind === 'vhost')!;
  assert.equal(vhost.label, '/ (default vhost)');
  assert.deepEqual(vhost.children.map((c) => c.label), ['Exchanges', 'Queues']);
  const exchanges = vhost.children[0].children.map((c) => c.label);
  assert.ok(!exchanges.includes('(AMQP default)') && !exchanges.includes('amq.direct'), 'built-in exchanges without bindings are hidden');
  const def = byLabel(root, 'exchange', 'default')!;
  assert.equal(def.description, 'direct · durable — ✖ 1 binding missing');
  const binding = def.children.find((c) => c.kind === 'binding' && c.label === 'default → default')!;
  assert.equal(binding.queue, 'default');
  assert.equal(binding.children[0].kind, 'queue');
  assert.match(binding.children[0].description ?? '', /12 ready · 3 unacked · 2 consumers · in 1\.5\/s · out 12\/s/);
});

test('drift marks: missing queue ghost, exchange type, unexpected queue, no consumers, unrouted, missing binding', () => {
  const root = buildConnectionNode(view());
  const queuesGroup = findNode([root], (n) => n.kind === 'group' && n.label === 'Queues')!;
  const names = queuesGroup.children.map((c) => c.label);
  assert.deepEqual(names, ['default', 'lonely', 'stray', 'payments'], 'internal queues hidden, missing ones appended');

  const payments = queuesGroup.children.find((c) => c.label === 'payments')!;
  assert.equal(payments.missing, true);
  assert.equal(payments.severity, 'error');
  assert.match(payments.description ?? '', /missing on broker/);
  assert.match(payments.contextValue, /\bmissing\b/);

  const events = byLabel(root, 'exchange', 'events')!;
  assert.equal(events.severity, 'error');
  assert.match(events.description ?? '', /type differs: config topic, broker direct/);

  const stray = queuesGroup.children.find((c) => c.label === 'stray')!;
  assert.equal(stray.severity, 'warning');
  assert.match(stray.description ?? '', /not in config/);
  assert.match(stray.description ?? '', /4 waiting, no consumer/);
  assert.match(stray.tooltip ?? '', /Not in the workspace configuration/);

  const lonely = queuesGroup.children.find((c) => c.label === 'lonely')!;
  assert.match(lonely.description ?? '', /nothing routes here/);
  assert.match(lonely.description ?? '', /binding "lonely" missing/);
  // the missing binding also appears under its exchange, as a ghost
  const ghost = byLabel(root, 'exchange', 'default')!.children.find((c) => c.missing)!;
  assert.equal(ghost.label, 'lonely → lonely');
  assert.equal(ghost.severity, 'error');

  const drift = root.children.find((c) => c.label === 'Drift')!;
  assert.equal(drift.children.length, view().drift!.items.length);
  assert.equal(root.severity, 'error');
  assert.match(root.description ?? '', /✖ \d/);
});

test('context values drive menus: writable vs read-only, connected, declared', () => {
  const rw = buildConnectionNode(view());
  const ro = buildConnectionNode(view({ readOnly: true }));
  const queueOf = (r: TreeNode) => findNode([r], (n) => n.kind === 'queue' && n.label === 'default')!;
  assert.match(queueOf(rw).contextValue, /^queue\b.*\bwritable\b/);
  assert.doesNotMatch(queueOf(ro).contextValue, /\bwritable\b/);
  assert.match(queueOf(ro).contextValue, /\breadonly\b/);
  assert.match(queueOf(rw).contextValue, /\bdeclared\b/);
  assert.match(queueOf(rw).contextValue, /\bhasMessages\b/);
  assert.match(ro.contextValue, /^connection\b.*\bconnected\b.*\breadonly\b/);
  assert.match(ro.description ?? '', /read-only/);
});

test('no password anywhere in the tree', () => {
  const v = view();
  v.def = def({ configPassword: 'topsecret', redacted: 'amqp://app:***@localhost:5672//' });
  v.error = 'Could not connect at amqp://app:***@localhost:5672//: refused';
  const all = JSON.stringify(buildConnectionNode(v));
  assert.ok(!all.includes('topsecret'));
  assert.ok(all.includes('***'));
});

test('states without a snapshot: a connect hint, a spinner, or the error with a retry', () => {
  const d = buildConnectionNode({ def: def(), readOnly: false, state: 'disconnected' });
  assert.equal(d.children[0].command?.id, 'celeryRouting.connect');
  assert.equal(stateText({ def: def(), readOnly: false, state: 'disconnected' }), 'not connected');
  const c = buildConnectionNode({ def: def(), readOnly: false, state: 'connecting' });
  assert.equal(c.children[0].icon.id, 'loading~spin');
  const e = buildConnectionNode({ def: def(), readOnly: false, state: 'error', error: 'connection refused', failures: 2, nextRetryMs: 40_000 });
  assert.match(e.children[0].label, /connection refused \(retry in 40 s\)/);
  assert.equal(e.children[0].command?.id, 'celeryRouting.refresh');
  assert.match(e.description ?? '', /unavailable, retry in 40 s/);
  // a stale snapshot stays visible under the error
  const stale = buildConnectionNode({ ...view(), state: 'error', error: 'gone' });
  assert.ok(stale.children.some((n) => n.kind === 'vhost'));
});

test('a connection whose URL is unknown explains why and has nothing else', () => {
  const n = buildConnectionNode({ def: def({ url: '', problem: 'from environment variable BROKER_URL', id: 'config:a:unknown' }), readOnly: true, state: 'disconnected' });
  assert.equal(n.children.length, 1);
  assert.match(n.children[0].label, /BROKER_URL/);
});

test('Redis: db → Queues (priority sub-lists), Bindings tables, unacked hash', () => {
  const snapshot = redis();
  const drift = computeDrift(config, snapshot);
  const root = buildConnectionNode({ def: def({ kind: 'redis', url: 'redis://localhost:6379/0', redacted: 'redis://localhost:6379/0', id: 'user:redis://localhost:6379/0' }), readOnly: false, state: 'connected', snapshot, drift, configQueues: queues });
  const db = root.children.find((c) => c.kind === 'vhost')!;
  assert.equal(db.label, 'db 0');
  assert.deepEqual(db.children.map((c) => c.label), ['Queues', 'Bindings', 'unacked']);
  const dq = db.children[0].children.find((c) => c.label === 'default')!;
  assert.match(dq.description ?? '', /^5 messages/);
  assert.deepEqual(dq.children.map((c) => `${c.label}: ${c.description}`), ['priority 0: 3 messages (the plain list)', 'priority 3: 2 messages']);
  const table = db.children[1].children.find((c) => c.label === '_kombu.binding.default')!;
  assert.match(table.description ?? '', /direct\/fanout rows · 1 row/);
  assert.equal(db.children[2].description, '2 messages delivered, not yet acknowledged (all queues)');
  const stray = db.children[0].children.find((c) => c.label === 'stray')!;
  assert.match(stray.description ?? '', /not in config/);
  assert.match(root.children.find((c) => c.kind === 'vhost')!.children[0].children.find((c) => c.label === 'default')!.contextValue, /\bredis\b/);
});

test('node ids are unique and stable across rebuilds', () => {
  const a = allNodes([buildConnectionNode(view())]).map((n) => n.id);
  const b = allNodes([buildConnectionNode(view())]).map((n) => n.id);
  assert.equal(new Set(a).size, a.length);
  assert.deepEqual(a, b);
});

test('labels', () => {
  assert.equal(queueDescription(q('a', { messagesReady: 1, messagesUnacknowledged: 0, consumers: 1, arguments: { 'x-max-priority': 10 }, type: 'quorum' })),
    '1 ready · 0 unacked · 1 consumer · max-priority 10 · quorum');
  assert.equal(queueDescription(q('a', { exists: false })), 'not on the broker');
  assert.equal(maxPriorityOf({ arguments: { 'x-max-priority': '5' } }), 5);
  assert.equal(exchangeDescription(x('e', 'topic', [], { durable: false, autoDelete: true })), 'topic · transient · auto-delete');
  const items = computeDrift(config, brokerWithDrift()).items;
  assert.equal(worstSeverity(items), 'error');
  assert.equal(worstSeverity([]), undefined);
  const arg = { code: 'queue-argument-mismatch' as const, severity: 'error' as const, message: '', vhost: '/', queue: 'p', argument: 'x-max-priority', expected: 10, actual: 5 };
  assert.equal(driftShort(arg), 'x-max-priority differs: config 10, broker 5');
  assert.equal(driftSuffix([arg, { ...arg, code: 'unrouted-queue', severity: 'info' }]), '✖ x-max-priority differs: config 10, broker 5; nothing routes here');
});
