// Redis going away and coming back, against a real redis-server this test starts itself (its own port and data
// folder, append-only file on), so the shared Redis of the other tests is never disturbed and no lock is needed.
// A refresh and a peek while it is down fail fast with a clear message that never shows the password; the
// explorer's backoff reconnects once it is back; the messages that were queued are all there, once each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerError } from '../../server/src/broker/errors';
import { peekMessages, publishTask } from '../../server/src/broker/operations';
import { loadSnapshot } from '../../server/src/broker/snapshot';
import { retryWithBackoff } from '../../server/src/broker/retry';
import { CI, eventually, sleep } from './helpers';

const PORT = 6391 + (process.pid % 50);
const PASSWORD = 'redis-restart-s3cret';
const URL = `redis://:${PASSWORD}@127.0.0.1:${PORT}/0`;

function startRedis(dir: string): ChildProcess {
  return spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always',
    '--save', '', '--requirepass', PASSWORD, '--daemonize', 'no'], { stdio: 'ignore' });
}

async function stopRedis(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM'); // a clean shutdown: the append-only file is complete
  await Promise.race([exited, sleep(10000)]);
  if (p.exitCode === null) p.kill('SIGKILL');
}

test('Redis restarted: a refresh and a peek fail fast and clearly, the backoff reconnects, nothing lost or duplicated', { timeout: 120000 }, async (t) => {
  if (spawnSync('redis-server', ['--version']).error) {
    if (CI) throw new Error('CI=true and redis-server is not installed');
    t.skip('redis-server is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cr-redis-restart-'));
  let server = startRedis(dir);
  try {
    const ready = () => retryWithBackoff(() => loadSnapshot(URL, { timeoutMs: 1000, knownQueues: ['work'] }), { attempts: 20, initialMs: 100, maxMs: 1000 });
    await ready();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await publishTask(URL, { task: 'proj.work', args: [i], exchange: '', routingKey: 'work' })).id);
    assert.deepEqual((await peekMessages(URL, 'work', 10)).messages.map((m) => m.id), ids);

    // a refresh under way when Redis stops settles (no hang)
    const during = loadSnapshot(URL, { timeoutMs: 2000, knownQueues: ['work'] }).then(() => 'loaded', (e: unknown) => (e instanceof BrokerError ? `failed: ${e.code}` : `threw ${String(e)}`));
    await stopRedis(server);
    const t0 = Date.now();
    const outcome = await Promise.race([during, sleep(8000).then(() => 'hung')]);
    assert.notEqual(outcome, 'hung');
    t.diagnostic(`a refresh under way when Redis stopped: ${outcome} after ${Date.now() - t0} ms`);

    // while it is down: every operation fails fast, with a clear message and no password
    for (const [name, op] of [['refresh', () => loadSnapshot(URL, { timeoutMs: 2000, knownQueues: ['work'] })], ['peek', () => peekMessages(URL, 'work', 10, { timeoutMs: 2000 })]] as const) {
      const t1 = Date.now();
      await assert.rejects(op(), (e: unknown) => {
        assert.ok(e instanceof BrokerError, `${name}: a BrokerError, not ${String(e)}`);
        assert.ok(!e.message.includes(PASSWORD), `${name}: the message shows the password: ${e.message}`);
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${PORT}`), `${name}: the message names the broker: ${e.message}`);
        return true;
      });
      const ms = Date.now() - t1;
      assert.ok(ms < 5000, `${name} took ${ms} ms`);
      t.diagnostic(`${name} while Redis is down: failed in ${ms} ms`);
    }

    // the explorer's backoff reconnects once Redis is back (started a moment after the first retries)
    const retries: number[] = [];
    setTimeout(() => { server = startRedis(dir); }, 1500);
    const snap = await retryWithBackoff(() => loadSnapshot(URL, { timeoutMs: 1000, knownQueues: ['work'] }), { attempts: 15, initialMs: 300, maxMs: 2000, onRetry: (n) => retries.push(n) });
    assert.ok(retries.length > 0, 'the first refresh attempts failed while Redis was still down');
    t.diagnostic(`refresh recovered after ${retries.length} retr${retries.length === 1 ? 'y' : 'ies'}`);
    assert.equal(snap.vhosts.find((v) => v.name === snap.currentVhost)?.queues.find((q) => q.name === 'work')?.messagesReady, 3);
    const after = await eventually(() => peekMessages(URL, 'work', 10), (p) => p.messages.length === 3, 5000);
    assert.deepEqual(after.messages.map((m) => m.id), ids, 'the same three messages, in order, once each');
  } finally {
    await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
