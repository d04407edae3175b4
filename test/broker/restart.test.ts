// Disturbs the broker (rabbitmqctl stop_app / start_app), so it takes an exclusive lock that makes the other
// RabbitMQ test files wait (see helpers.ts), and always starts the app again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BrokerError } from '../../server/src/broker/errors';
import { declareRabbit } from '../../server/src/broker/rabbitmqAmqp';
import { RabbitTap, startTap, TappedMessage } from '../../server/src/broker/rabbitmqTap';
import { publishTask, peekMessages } from '../../server/src/broker/operations';
import { loadSnapshot } from '../../server/src/broker/snapshot';
import { retryWithBackoff } from '../../server/src/broker/retry';
import { checkQueue } from '../../server/src/broker/rabbitmqAmqp';
import { acquireRabbitExclusive, eventually, need, withVhost, CI } from './helpers';

function rabbitmqctl(arg: string): void {
  const r = spawnSync('rabbitmqctl', [arg], { encoding: 'utf8', timeout: 90000 });
  if (r.status !== 0) throw new Error(`rabbitmqctl ${arg} failed: ${r.error?.message ?? ''} ${r.stderr ?? ''}`);
}

/** RabbitMQ and rabbitmqctl are there (CI=true: they must be). */
async function canRestart(t: import('node:test').TestContext): Promise<boolean> {
  if (!(await need(t, 'rabbitmq'))) return false;
  if (spawnSync('rabbitmqctl', ['--help'], { encoding: 'utf8' }).error) {
    if (CI) throw new Error('CI=true and rabbitmqctl is not available');
    t.skip('rabbitmqctl not available');
    return false;
  }
  return true;
}

test('a broker restart during a tap is reported as lost, and the tap can be started again', { timeout: 180000 }, async (t) => {
  if (!(await canRestart(t))) return;
  const release = await acquireRabbitExclusive();
  try {
    await withVhost(async (url) => {
      await declareRabbit(url, { exchanges: [{ name: 'events', type: 'topic' }], queues: [], bindings: [] });
      const tap = await startTap(url, { exchange: 'events', exchangeType: 'topic' });
      const lost = new Promise<BrokerError>((resolve) => tap.once('lost', resolve));
      let stopped = false;
      let lostErr: BrokerError;
      try {
        rabbitmqctl('stop_app');
        stopped = true;
        const t0 = Date.now();
        let timer: NodeJS.Timeout | undefined;
        lostErr = await Promise.race([lost, new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error('no "lost" event within 20 s')), 20000);
        })]).finally(() => clearTimeout(timer));
        t.diagnostic(`tap reported loss ${Date.now() - t0} ms after stop_app returned: ${lostErr.message}`);
        assert.equal(lostErr.code, 'connection-lost');
        assert.match(lostErr.message, /events/);
        assert.ok(!lostErr.message.includes(':guest@'));
        assert.equal(tap.running, false);
        // while it is down, operations fail fast and clearly
        const t1 = Date.now();
        await assert.rejects(checkQueue(url, 'x', { timeoutMs: 2000 }), (e: unknown) => e instanceof BrokerError && ['unreachable', 'timeout', 'connection-lost'].includes(e.code));
        assert.ok(Date.now() - t1 < 5000);
      } finally {
        if (stopped) rabbitmqctl('start_app');
      }
      const retries: number[] = [];
      const seen: TappedMessage[] = [];
      const tap2: RabbitTap = await retryWithBackoff(
        () => startTap(url, { exchange: 'events', exchangeType: 'topic', onMessage: (m) => seen.push(m) }),
        { attempts: 12, initialMs: 500, maxMs: 4000, onRetry: (n) => retries.push(n) },
      );
      t.diagnostic(`tap restarted after ${retries.length} retr${retries.length === 1 ? 'y' : 'ies'}`);
      try {
        const sent = await retryWithBackoff(() => publishTask(url, { task: 'proj.after', exchange: 'events', routingKey: 'a.b' }), { attempts: 8 });
        await eventually(async () => seen.length, (n) => n > 0, 5000, 50);
        assert.equal(seen[0]?.id, sent.id);
      } finally {
        await tap2.stop();
        await tap.stop();
      }
    });
  } finally {
    release();
  }
});

test('a refresh and a peek while RabbitMQ restarts fail fast and clearly; afterwards nothing was lost or duplicated', { timeout: 180000 }, async (t) => {
  if (!(await canRestart(t))) return;
  const release = await acquireRabbitExclusive();
  try {
    await withVhost(async (url) => {
      await declareRabbit(url, { exchanges: [], queues: [{ name: 'work' }], bindings: [] });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await publishTask(url, { task: 'proj.work', args: [i], exchange: '', routingKey: 'work' })).id);
      const before = await peekMessages(url, 'work', 10);
      assert.deepEqual(before.messages.map((m) => m.id), ids);
      let stopped = false;
      try {
        rabbitmqctl('stop_app');
        stopped = true;
        for (const op of [() => loadSnapshot(url, { timeoutMs: 2000, knownQueues: ['work'] }), () => peekMessages(url, 'work', 10, { timeoutMs: 2000 })]) {
          const t0 = Date.now();
          await assert.rejects(op(), (e: unknown) => e instanceof BrokerError && !e.message.includes(':guest@'));
          assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
        }
      } finally {
        if (stopped) rabbitmqctl('start_app');
      }
      // the explorer's refresh retries with backoff and recovers
      const snap = await retryWithBackoff(() => loadSnapshot(url, { timeoutMs: 3000, knownQueues: ['work'] }), { attempts: 15, initialMs: 500, maxMs: 4000 });
      assert.ok(snap.vhosts.length > 0);
      const after = await retryWithBackoff(() => peekMessages(url, 'work', 10), { attempts: 10, initialMs: 500, maxMs: 3000 });
      assert.deepEqual(after.messages.map((m) => m.id), ids, 'the same three messages, in order, once each');
      assert.equal((await checkQueue(url, 'work')).messageCount, 3);
    });
  } finally {
    release();
  }
});
