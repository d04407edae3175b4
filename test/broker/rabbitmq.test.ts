// Against the real RabbitMQ: each test in its own fresh vhost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { BrokerError } from '../../server/src/broker/errors';
import { checkQueue, declareRabbit, peekRabbit, publishRabbit, purgeRabbit } from '../../server/src/broker/rabbitmqAmqp';
import { RabbitManagementClient } from '../../server/src/broker/rabbitmqManagement';
import { startTap, TappedMessage } from '../../server/src/broker/rabbitmqTap';
import { findVhost, loadSnapshot } from '../../server/src/broker/snapshot';
import { computeDrift, ConfigTopology, DriftCode } from '../../server/src/broker/drift';
import { planFromTopology } from '../../server/src/broker/plan';
import { declarePlan, peekMessages, publishTask, purgeQueue } from '../../server/src/broker/operations';
import { acquireRabbitShared, eventually, need, sleep, withVhost } from './helpers';

let release: (() => void) | undefined;
before(async () => {
  release = await acquireRabbitShared();
});
after(() => release?.());

const config: ConfigTopology = {
  exchanges: [{ name: 'tasks', type: 'direct' }, { name: 'events', type: 'topic' }],
  queues: [
    { name: 'default', exchange: { name: 'tasks', type: 'direct' }, routingKey: 'default', bindings: [{ exchange: 'tasks', exchangeType: 'direct', routingKey: 'default' }], routedTo: true, consumedBy: ['w1'] },
    { name: 'payments', exchange: { name: 'events', type: 'topic' }, routingKey: 'payment.#', bindings: [{ exchange: 'events', exchangeType: 'topic', routingKey: 'payment.#' }],
      queueArguments: { 'x-max-priority': 10 }, routedTo: true, consumedBy: ['w2'] },
  ],
};

function codesOf(items: Array<{ code: string; queue?: string; exchange?: string }>): string[] {
  return items.filter((i) => i.code !== DriftCode.UnroutedQueue).map((i) => `${i.code}:${i.queue ?? i.exchange}`).sort();
}

test('declare a plan, then the snapshot lists it with counts and there is no drift', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url, vhost) => {
    const plan = planFromTopology(config);
    const res = await declarePlan(url, plan);
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(res.actions.filter((a) => a.kind !== 'binding').map((a) => `${a.kind}:${a.name}:${a.status}`), [
      'exchange:tasks:created', 'exchange:events:created', 'queue:default:created', 'queue:payments:created',
    ]);
    const again = await declarePlan(url, plan);
    assert.ok(again.actions.filter((a) => a.kind !== 'binding').every((a) => a.status === 'exists'), JSON.stringify(again));

    for (let i = 0; i < 3; i++) await publishTask(url, { task: 'proj.add', args: [i, 1], exchange: 'tasks', routingKey: 'default' });
    const snap = await eventually(() => loadSnapshot(url), (s) => findVhost(s)?.queues.find((q) => q.name === 'default')?.messagesReady === 3);
    assert.equal(snap.kind, 'rabbitmq');
    assert.equal(snap.currentVhost, vhost);
    assert.ok(!snap.url.includes(':guest@'));
    const vh = findVhost(snap)!;
    const dq = vh.queues.find((q) => q.name === 'default')!;
    assert.equal(dq.messagesReady, 3);
    assert.equal(dq.consumers, 0);
    assert.equal(vh.queues.find((q) => q.name === 'payments')!.arguments['x-max-priority'], 10);
    assert.equal(vh.exchanges.find((x) => x.name === 'events')!.type, 'topic');
    assert.deepEqual(vh.exchanges.find((x) => x.name === 'events')!.bindings.map((b) => `${b.destination}:${b.routingKey}`), ['payments:payment.#']);

    await purgeQueue(url, 'default');
    const after = await eventually(() => loadSnapshot(url), (s) => findVhost(s)?.queues.find((q) => q.name === 'default')?.messagesReady === 0);
    const clean = computeDrift(config, after);
    assert.deepEqual(codesOf(clean.items), []);
  });
});

test('drift finds planted mismatches: missing queue, extra queue, wrong exchange type, wrong x-max-priority, messages without consumers', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    const res = await declareRabbit(url, {
      exchanges: [{ name: 'tasks', type: 'direct' }, { name: 'events', type: 'fanout' }],
      queues: [{ name: 'payments', arguments: { 'x-max-priority': 5 } }, { name: 'stray' }],
      bindings: [{ queue: 'payments', exchange: 'events', routingKey: 'payment.#' }],
    });
    assert.ok(res.ok);
    await publishRabbit(url, { task: 'x.y', exchange: '', routingKey: 'payments' });
    const snap = await eventually(() => loadSnapshot(url), (s) => (findVhost(s)?.queues.find((q) => q.name === 'payments')?.messagesReady ?? 0) > 0);
    const r = computeDrift(config, snap);
    assert.deepEqual(codesOf(r.items), [
      'exchange-type-mismatch:events',
      'messages-no-consumers:payments',
      'missing-queue:default',
      'queue-argument-mismatch:payments',
      'unexpected-queue:stray',
    ]);
    // declaring the config's plan now fails exactly where drift said it would (406)
    const d = await declarePlan(url, planFromTopology(config));
    const failed = d.actions.filter((a) => a.status === 'failed').map((a) => a.name).sort();
    assert.deepEqual(failed, ['events', 'payments']);
    assert.match(d.actions.find((a) => a.name === 'payments')!.detail ?? '', /PRECONDITION_FAILED|inequivalent/);
  });
});

test('peek leaves the messages in place (same count, same bodies, same order)', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    await declareRabbit(url, { exchanges: [], queues: [{ name: 'q' }], bindings: [] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await publishRabbit(url, { task: 'proj.t', args: [i], kwargs: { k: i }, exchange: '', routingKey: 'q' })).id);
    const before = await checkQueue(url, 'q');
    assert.equal(before.messageCount, 3);
    const p1 = await peekRabbit(url, 'q', 10);
    assert.equal(p1.countBefore, 3);
    assert.equal(p1.countAfter, 3);
    assert.deepEqual(p1.messages.map((m) => m.id), ids);
    assert.deepEqual(p1.messages.map((m) => m.args), [[0], [1], [2]]);
    assert.equal(p1.messages[0].task, 'proj.t');
    assert.equal(p1.messages[0].kwargsPreview, "{'k': 0}");
    assert.equal(p1.messages[0].redelivered, false);
    assert.equal((await checkQueue(url, 'q')).messageCount, 3);
    const p2 = await peekMessages(url, 'q', 2);
    assert.deepEqual(p2.messages.map((m) => m.id), ids.slice(0, 2), 'order kept after requeue');
    assert.equal(p2.messages[0].redelivered, true, 'AMQP marks requeued messages redelivered');
    assert.equal((await checkQueue(url, 'q')).messageCount, 3);
  });
});

test('publish lands in the queue, is a valid Celery protocol-2 message, priority kept', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    await declareRabbit(url, planFromTopology(config));
    const r = await publishTask(url, { task: 'proj.pay', args: [1, 'a'], kwargs: { z: true }, exchange: 'events', routingKey: 'payment.failed', priority: 7 });
    assert.equal(r.routed, true, r.message);
    const c = await checkQueue(url, 'payments');
    assert.equal(c.messageCount, 1);
    const [m] = (await peekRabbit(url, 'payments', 1)).messages;
    assert.equal(m.id, r.id);
    assert.equal(m.protocol, 2);
    assert.equal(m.priority, 7);
    assert.equal(m.routingKey, 'payment.failed');
    assert.equal(m.argsPreview, "(1, 'a')");
    assert.equal(m.headers.lang, 'py');

    // A real kombu consumer (if Python + kombu are installed) decodes it the same way.
    const py = spawnSync('/usr/bin/python3', ['-c', `
import json, sys
from kombu import Connection, Queue
with Connection(sys.argv[1]) as c:
    m = Queue('payments', no_declare=True)(c.default_channel).get(no_ack=True)
    args, kwargs, embed = m.decode()
    print(json.dumps({'task': m.headers['task'], 'id': m.headers['id'], 'args': args, 'kwargs': kwargs, 'pri': m.properties.get('priority')}))
`, url.replace(/^amqp:/, 'pyamqp:')], { encoding: 'utf8', timeout: 20000 });
    if (py.status === 0) {
      assert.deepEqual(JSON.parse(py.stdout), { task: 'proj.pay', id: r.id, args: [1, 'a'], kwargs: { z: true }, pri: 7 });
      t.diagnostic('kombu cross-check passed');
    } else {
      t.diagnostic(`kombu cross-check skipped: ${py.stderr?.split('\n').slice(-2).join(' ')}`);
    }
  });
});

test('unroutable publish is reported; publish to a missing exchange is a clear 404', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url, vhost) => {
    await declareRabbit(url, planFromTopology(config));
    const r = await publishTask(url, { task: 'proj.x', exchange: 'tasks', routingKey: 'nobody-listens' });
    assert.equal(r.routed, false);
    assert.match(r.message, /[Uu]nroutable/);
    const d = await publishTask(url, { task: 'proj.x', exchange: '', routingKey: 'no-such-queue' });
    assert.equal(d.routed, false);
    await assert.rejects(publishTask(url, { task: 'proj.x', exchange: 'nope', routingKey: 'k' }), (e: unknown) =>
      e instanceof BrokerError && e.code === 'not-found' && e.message.includes('"nope"') && e.message.includes(vhost));
  });
});

test('purge returns the count and empties the queue', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    await declareRabbit(url, { exchanges: [], queues: [{ name: 'p', arguments: { 'x-max-priority': 10 } }], bindings: [] });
    for (let i = 0; i < 4; i++) await publishRabbit(url, { task: 't', exchange: '', routingKey: 'p', priority: i * 3 });
    assert.equal(await purgeRabbit(url, 'p'), 4);
    assert.equal((await checkQueue(url, 'p')).messageCount, 0);
    assert.equal(await purgeRabbit(url, 'p'), 0);
    await assert.rejects(purgeRabbit(url, 'missing'), (e: unknown) => e instanceof BrokerError && e.code === 'not-found');
  });
});

test('tap sees messages published to a topic and to a fanout exchange without taking them from queues', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    await declareRabbit(url, {
      exchanges: [{ name: 'events', type: 'topic' }, { name: 'bc', type: 'fanout' }],
      queues: [{ name: 'payments' }],
      bindings: [{ queue: 'payments', exchange: 'events', routingKey: 'payment.#' }],
    });
    const seen: TappedMessage[] = [];
    const tap = await startTap(url, { exchange: 'events', onMessage: (m) => seen.push(m) }); // type from the management API
    assert.deepEqual(tap.bindings, [{ routingKey: '#' }]);
    const fan = await startTap(url, { exchange: 'bc', exchangeType: 'fanout' });
    const fanSeen: TappedMessage[] = [];
    fan.on('message', (m) => fanSeen.push(m));
    const a = await publishTask(url, { task: 'proj.pay', args: [1], exchange: 'events', routingKey: 'payment.ok' });
    await publishTask(url, { task: 'proj.audit', exchange: 'events', routingKey: 'audit.x' });
    await publishTask(url, { task: 'proj.bc', exchange: 'bc', routingKey: '' });
    await eventually(async () => seen.length + fanSeen.length, (n) => n >= 3, 5000, 50);
    assert.deepEqual(seen.map((m) => m.task).sort(), ['proj.audit', 'proj.pay']);
    assert.equal(seen.find((m) => m.task === 'proj.pay')!.id, a.id);
    assert.equal(seen.find((m) => m.task === 'proj.pay')!.routingKey, 'payment.ok');
    assert.deepEqual(fanSeen.map((m) => m.task), ['proj.bc']);
    assert.equal((await checkQueue(url, 'payments')).messageCount, 1, 'the real queue still has its copy');
    await tap.stop();
    await fan.stop();
    await tap.stop(); // idempotent
    assert.equal(tap.running, false);
    await assert.rejects(startTap(url, { exchange: 'missing', exchangeType: 'topic' }), (e: unknown) => e instanceof BrokerError && e.code === 'not-found');
    await assert.rejects(startTap(url, { exchange: 'x', exchangeType: 'direct' }), (e: unknown) => e instanceof BrokerError && e.code === 'unsupported');
  });
});

test('wrong credentials → clear auth error within 5 s, password never shown', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  const secret = 'Wr0ng-S3cret!';
  const url = `amqp://guest:${encodeURIComponent(secret)}@127.0.0.1:5672//`;
  const t0 = Date.now();
  const errs: unknown[] = [];
  await assert.rejects(checkQueue(url, 'x'), (e: unknown) => {
    errs.push(e);
    return e instanceof BrokerError && e.code === 'auth';
  });
  await assert.rejects(loadSnapshot(url), (e: unknown) => {
    errs.push(e);
    return e instanceof BrokerError && e.code === 'auth' && /401/.test(e.message);
  });
  await assert.rejects(new RabbitManagementClient(`amqp://nobody:${secret}@127.0.0.1//`).overview(), (e: unknown) => {
    errs.push(e);
    return e instanceof BrokerError && e.code === 'auth';
  });
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  for (const e of errs) {
    const all = `${(e as Error).message} ${(e as Error).stack} ${JSON.stringify(e)}`;
    assert.ok(!all.includes(secret) && !all.includes(encodeURIComponent(secret)), all);
    assert.match((e as Error).message, /guest:\*\*\*@|nobody|127\.0\.0\.1/);
  }
});

test('without the management API the snapshot falls back to passive AMQP checks of the config names', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    await declareRabbit(url, { exchanges: [{ name: 'tasks', type: 'direct' }], queues: [{ name: 'default' }], bindings: [] });
    await publishRabbit(url, { task: 't', exchange: '', routingKey: 'default' });
    const snap = await loadSnapshot(url, {
      managementUrl: 'http://127.0.0.1:9', // nothing there
      knownQueues: config.queues.map((q) => q.name),
      knownExchanges: config.exchanges.map((x) => x.name),
    });
    assert.equal(snap.source, 'amqp-passive');
    assert.match(snap.warnings[0], /Management API unavailable/);
    const vh = findVhost(snap)!;
    assert.deepEqual(vh.queues.map((q) => [q.name, q.messagesReady, q.consumers]), [['default', 1, 0]]);
    assert.deepEqual(vh.exchanges.map((x) => x.name), ['tasks']);
    const r = computeDrift(config, snap);
    assert.deepEqual(codesOf(r.items), ['messages-no-consumers:default', 'missing-exchange:events', 'missing-queue:payments']);
    await assert.rejects(peekRabbit(url, 'missing'), (e: unknown) => e instanceof BrokerError && e.code === 'not-found' && /missing/.test(e.message));
  });
});

test('unknown vhost → not-found, named', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  const url = 'amqp://guest:guest@127.0.0.1:5672/no-such-vhost-cr';
  await assert.rejects(checkQueue(url, 'x'), (e: unknown) => e instanceof BrokerError && e.code === 'not-found' && /no-such-vhost-cr/.test(e.message));
  await assert.rejects(loadSnapshot(url), (e: unknown) => e instanceof BrokerError && e.code === 'not-found' && /no-such-vhost-cr/.test(e.message));
});

test('unreachable and silent endpoints fail within the timeout (no hang), password hidden', async () => {
  // A TCP server that accepts and never says a word: the worst case for handshakes.
  const closed: Server = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    const cases: Array<[string, () => Promise<unknown>, string[]]> = [
      ['refused management', () => new RabbitManagementClient(`amqp://u:Zz9secret@127.0.0.1:${closedPort}//`, { managementUrl: `http://127.0.0.1:${closedPort}` }).overview(), ['unreachable']],
      ['refused amqp', () => checkQueue(`amqp://u:Zz9secret@127.0.0.1:${closedPort}//`, 'q', { timeoutMs: 1500 }), ['unreachable']],
      ['silent amqp', () => checkQueue(`amqp://u:Zz9secret@127.0.0.1:${port}//`, 'q', { timeoutMs: 1500 }), ['timeout']],
      ['silent management', () => loadSnapshot(`amqp://u:Zz9secret@127.0.0.1:${port}//`, { timeoutMs: 1500, managementUrl: `http://127.0.0.1:${port}`, fallbackToAmqp: false }), ['timeout']],
      ['refused management, amqp fallback silent', () => loadSnapshot(`amqp://u:Zz9secret@127.0.0.1:${port}//`, { timeoutMs: 1500, managementUrl: `http://127.0.0.1:${closedPort}`, knownQueues: ['a'] }), ['timeout']],
      // Depending on the network this drops packets, refuses, or (behind a proxy) answers with something else.
      ['blackhole', () => checkQueue('amqp://u:Zz9secret@10.255.255.1:5672//', 'q', { timeoutMs: 1500 }), ['timeout', 'unreachable', 'protocol']],
    ];
    for (const [name, run, codes] of cases) {
      const t0 = Date.now();
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof BrokerError, `${name}: ${String(e)}`);
        assert.ok(codes.includes(e.code), `${name}: ${e.code} ${e.message}`);
        assert.ok(!e.message.includes('Zz9secret'), e.message);
        return true;
      });
      assert.ok(Date.now() - t0 < 4000, `${name} took ${Date.now() - t0} ms`);
    }
  } finally {
    silent.close();
  }
  await sleep(10);
});
