// Against the real Redis, db 12 (flushed before and after each test). All Redis tests live in this one
// file so that they never run in parallel on the same db.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { BrokerError } from '../../server/src/broker/errors';
import { computeDrift, ConfigTopology, DriftCode } from '../../server/src/broker/drift';
import { planFromTopology } from '../../server/src/broker/plan';
import { declarePlan, peekMessages, publishTask, purgeQueue } from '../../server/src/broker/operations';
import { inspectRedis, openRedis, peekRedis, publishRedis, purgeRedis } from '../../server/src/broker/redis';
import { findVhost, loadSnapshot } from '../../server/src/broker/snapshot';
import { SEP } from '../../server/src/broker/kombuRedis';
import { REDIS_URL, acquireRedisShared, need, redisProblem } from './helpers';

// Redis must not be restarted under these tests (restart.test.ts): the shared lock keeps it waiting.
let release: (() => void) | undefined;
before(async () => {
  release = await acquireRedisShared();
});
after(() => release?.());

async function flush(): Promise<void> {
  if (await redisProblem()) return;
  const c = await openRedis(REDIS_URL);
  try {
    await c.flushDb();
  } finally {
    c.destroy();
  }
}
beforeEach(flush);
afterEach(flush);

async function raw<T>(fn: (c: Awaited<ReturnType<typeof openRedis>>) => Promise<T>): Promise<T> {
  const c = await openRedis(REDIS_URL);
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

const config: ConfigTopology = {
  exchanges: [{ name: 'default', type: 'direct' }, { name: 'events', type: 'topic' }],
  queues: [
    { name: 'default', exchange: { name: 'default', type: 'direct' }, routingKey: 'default', bindings: [{ exchange: 'default', exchangeType: 'direct', routingKey: 'default' }], routedTo: true, consumedBy: ['w1'] },
    { name: 'payments', exchange: { name: 'events', type: 'topic' }, routingKey: 'payment.#', bindings: [{ exchange: 'events', exchangeType: 'topic', routingKey: 'payment.#' }], routedTo: true, consumedBy: ['w2'] },
    { name: 'reports', exchange: { name: 'reports', type: 'direct' }, routingKey: 'reports', bindings: [], routedTo: true, consumedBy: [] },
  ],
};

function codesOf(items: Array<{ code: string; queue?: string; exchange?: string }>): string[] {
  return items.filter((i) => i.code !== DriftCode.UnroutedQueue).map((i) => `${i.code}:${i.queue ?? i.exchange}`).sort();
}

test('listing: queues with lengths over priority sub-lists, bindings table, unacked count', async (t) => {
  if (!(await need(t, 'redis'))) return;
  const d = await declarePlan(REDIS_URL, planFromTopology(config));
  assert.ok(d.ok);
  assert.deepEqual(d.actions.filter((a) => a.kind === 'binding').map((a) => a.status), ['created', 'created', 'created']);
  assert.deepEqual((await declarePlan(REDIS_URL, planFromTopology(config))).actions.filter((a) => a.kind === 'binding').map((a) => a.status), ['exists', 'exists', 'exists']);
  for (const p of [0, 5, 9, 9]) await publishTask(REDIS_URL, { task: 'proj.t', exchange: '', routingKey: 'default', priority: p });
  await raw((c) => c.hSet('unacked', 'tag-1', '[{}, "", "default"]'));
  await raw((c) => c.lPush('stray', 'x'));

  const snap = await loadSnapshot(REDIS_URL, { knownQueues: config.queues.map((q) => q.name) });
  assert.equal(snap.kind, 'redis');
  assert.equal(snap.currentVhost, '12');
  const vh = findVhost(snap)!;
  const dq = vh.queues.find((q) => q.name === 'default')!;
  assert.equal(dq.messagesReady, 4);
  assert.deepEqual(dq.priorityLengths, { '0': 1, '3': 1, '9': 2 });
  assert.equal(dq.consumers, null);
  assert.equal(vh.unackedTotal, 1);
  assert.ok(vh.queues.some((q) => q.name === 'stray'));
  assert.ok(!vh.queues.some((q) => q.name.includes(SEP)), 'sub-lists fold into their queue');
  const ev = vh.exchanges.find((x) => x.name === 'events')!;
  assert.equal(ev.typeHint, 'topic');
  assert.deepEqual(ev.bindings.map((b) => [b.routingKey, b.pattern, b.destination]), [['payment.#', '^payment\\..*?$', 'payments']]);

  const ins = await inspectRedis(REDIS_URL);
  assert.equal(ins.unacked, 1);
  assert.deepEqual(ins.exchanges, ['default', 'events', 'reports']);
});

test('drift: planted mismatches, then declare makes them go away', async (t) => {
  if (!(await need(t, 'redis'))) return;
  // events bound as direct (no regex) by some connection; `default` not declared at all; a stray list.
  await raw(async (c) => {
    await c.sAdd('_kombu.binding.events', `payment.#${SEP}${SEP}payments`);
    await c.lPush('stray', 'x');
  });
  await publishRedis(REDIS_URL, { task: 'r', exchange: '', routingKey: 'reports' });
  const r = computeDrift(config, await loadSnapshot(REDIS_URL, { knownQueues: config.queues.map((q) => q.name) }));
  assert.deepEqual(codesOf(r.items), [
    'exchange-type-mismatch:events',
    'messages-no-consumers:reports',
    'missing-binding:default',
    'missing-binding:reports',
    'unexpected-queue:stray',
  ]);
  await raw((c) => c.del(['_kombu.binding.events', 'stray']));
  await purgeQueue(REDIS_URL, 'reports');
  await declarePlan(REDIS_URL, planFromTopology(config));
  const after = computeDrift(config, await loadSnapshot(REDIS_URL, { knownQueues: config.queues.map((q) => q.name) }));
  assert.deepEqual(codesOf(after.items), []);
});

test('peek leaves the messages in place, in consumption order', async (t) => {
  if (!(await need(t, 'redis'))) return;
  const a = await publishTask(REDIS_URL, { task: 'proj.a', args: [1], exchange: '', routingKey: 'q' });
  const b = await publishTask(REDIS_URL, { task: 'proj.b', args: [2], exchange: '', routingKey: 'q' });
  const hi = await publishTask(REDIS_URL, { task: 'proj.c', exchange: '', routingKey: 'q', priority: 6 });
  const before = await raw((c) => Promise.all([c.lRange('q', 0, -1), c.lRange(`q${SEP}6`, 0, -1)]));
  const p = await peekMessages(REDIS_URL, 'q', 10);
  assert.equal(p.countBefore, 3);
  assert.equal(p.countAfter, 3);
  // workers RPOP the oldest first, and `q` (0-2) before `q\x06\x166`
  assert.deepEqual(p.messages.map((m) => m.id), [a.id, b.id, hi.id]);
  assert.deepEqual(p.messages[1].args, [2]);
  assert.equal(p.messages[2].priority, 6);
  const after = await raw((c) => Promise.all([c.lRange('q', 0, -1), c.lRange(`q${SEP}6`, 0, -1)]));
  assert.deepEqual(after, before, 'lists untouched, byte for byte');
  assert.deepEqual((await peekRedis(REDIS_URL, 'q', 1)).messages.map((m) => m.id), [a.id]);
  assert.equal((await peekRedis(REDIS_URL, 'empty', 5)).messages.length, 0);
});

test('publish lands in the right list like kombu, readable by a real kombu consumer', async (t) => {
  if (!(await need(t, 'redis'))) return;
  await declarePlan(REDIS_URL, planFromTopology(config));
  const r = await publishRedis(REDIS_URL, { task: 'proj.pay', args: [3], kwargs: { a: 'b' }, exchange: 'events', exchangeType: 'topic', routingKey: 'payment.failed', priority: 5 });
  assert.equal(r.routed, true, r.message);
  assert.deepEqual(r.queues, ['payments']);
  assert.equal(await raw((c) => c.lLen(`payments${SEP}3`)), 1);
  // Unknown type → kombu treats it as direct: the topic row's routing key is compared literally.
  assert.equal((await publishRedis(REDIS_URL, { task: 'x', exchange: 'events', routingKey: 'payment.failed' })).routed, false);
  const un = await publishTask(REDIS_URL, { task: 'x', exchange: 'default', exchangeType: 'direct', routingKey: 'nobody' });
  assert.equal(un.routed, false);
  assert.match(un.message, /drop/);

  const py = spawnSync('/usr/bin/python3', ['-c', `
import json, sys
from kombu import Connection, Queue
with Connection(sys.argv[1]) as c:
    m = Queue('payments', no_declare=True)(c.default_channel).get(no_ack=True)
    args, kwargs, embed = m.decode()
    print(json.dumps({'task': m.headers['task'], 'id': m.headers['id'], 'args': args, 'kwargs': kwargs, 'rk': m.delivery_info['routing_key']}))
`, REDIS_URL], { encoding: 'utf8', timeout: 20000 });
  if (py.status === 0) {
    assert.deepEqual(JSON.parse(py.stdout), { task: 'proj.pay', id: r.id, args: [3], kwargs: { a: 'b' }, rk: 'payment.failed' });
    t.diagnostic('kombu cross-check passed');
  } else {
    t.diagnostic(`kombu cross-check skipped: ${py.stderr?.split('\n').slice(-2).join(' ')}`);
  }
});

test('fanout publish goes over PUB/SUB: routed only with a subscriber', async (t) => {
  if (!(await need(t, 'redis'))) return;
  const none = await publishRedis(REDIS_URL, { task: 'b', exchange: 'bc', exchangeType: 'fanout', routingKey: '' });
  assert.equal(none.routed, false);
  const sub = await openRedis(REDIS_URL);
  const got: string[] = [];
  try {
    await sub.subscribe('/12.bc', (m) => got.push(m));
    const yes = await publishRedis(REDIS_URL, { task: 'b', exchange: 'bc', exchangeType: 'fanout', routingKey: '' });
    assert.equal(yes.routed, true);
    for (let i = 0; i < 20 && !got.length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(JSON.parse(got[0]).headers.task, 'b');
  } finally {
    sub.destroy();
  }
});

test('purge returns the count (list + priority sub-lists) and deletes them', async (t) => {
  if (!(await need(t, 'redis'))) return;
  for (const p of [0, 1, 4, 7, 9]) await publishRedis(REDIS_URL, { task: 't', exchange: '', routingKey: 'pq', priority: p });
  assert.equal(await purgeRedis(REDIS_URL, 'pq'), 5);
  assert.equal(await raw((c) => c.exists(['pq', `pq${SEP}3`, `pq${SEP}6`, `pq${SEP}9`])), 0);
  assert.equal(await purgeQueue(REDIS_URL, 'pq'), 0);
});

test('wrong password, refused port, silent server: clear errors within the timeout, password hidden', async (t) => {
  if (!(await need(t, 'redis'))) return;
  const secret = 'Qq7-redis-secret';
  const closed: Server = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as { port: number }).port;
  try {
    const cases: Array<[string, string, string[]]> = [
      // (a bare password against a server without one is accepted by node-redis, like redis-py does)
      ['wrong user+password', `redis://nobody:${secret}@127.0.0.1:6379/12`, ['auth']],
      ['refused', `redis://:${secret}@127.0.0.1:${closedPort}/12`, ['unreachable']],
      ['silent', `redis://:${secret}@127.0.0.1:${silentPort}/12`, ['timeout']],
    ];
    for (const [name, url, codes] of cases) {
      const t0 = Date.now();
      await assert.rejects(loadSnapshot(url, { timeoutMs: 1500 }), (e: unknown) => {
        assert.ok(e instanceof BrokerError, `${name}: ${String(e)}`);
        assert.ok(codes.includes(e.code), `${name}: ${e.code} ${e.message}`);
        const all = `${e.message} ${e.stack} ${JSON.stringify(e)}`;
        assert.ok(!all.includes(secret), all);
        return true;
      });
      assert.ok(Date.now() - t0 < 4000, `${name} took ${Date.now() - t0} ms`);
    }
  } finally {
    silent.close();
  }
});
