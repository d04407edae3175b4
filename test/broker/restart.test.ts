// Disturbs the brokers: RabbitMQ (rabbitmqctl stop_app / start_app) and Redis (redis-server stopped and started
// again), so each test takes the exclusive lock of its broker, which makes the other test files using that
// broker wait (see helpers.ts), and always starts the broker again.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerError } from '../../server/src/broker/errors';
import { declareRabbit } from '../../server/src/broker/rabbitmqAmqp';
import { RabbitTap, startTap, TappedMessage } from '../../server/src/broker/rabbitmqTap';
import { publishTask, peekMessages } from '../../server/src/broker/operations';
import { loadSnapshot } from '../../server/src/broker/snapshot';
import { retryWithBackoff } from '../../server/src/broker/retry';
import { checkQueue } from '../../server/src/broker/rabbitmqAmqp';
import { openRedis } from '../../server/src/broker/redis';
import { findVhost } from '../../server/src/broker/snapshot';
import { queueLists } from '../../server/src/broker/kombuRedis';
import { formatBrokerUrl, parseBrokerUrl } from '../../server/src/broker/url';
import { Session } from '../../client/src/explorer/session';
import { acquireRabbitExclusive, acquireRedisExclusive, eventually, need, sleep, withVhost, CI, REDIS_URL } from './helpers';

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

// ------------------------------------------------------------------------------------------------- Redis
// The shared Redis of the test suite (scripts/setup-tests.sh: `redis-server --daemonize yes --bind 127.0.0.1
// --port 6379 --save '' --appendonly no`) is really stopped and started again, with the settings it was running
// with (read with CONFIG GET, so a differently started server comes back the same). `--save ''` means a restart
// loses everything: the tests take a snapshot with SAVE first (what a Redis with persistence does), push more
// messages after it (those are lost), and check that the client then shows exactly what Redis has.

const REDIS = parseBrokerUrl(REDIS_URL);
const REDIS_SECRET = 'Rd-restart-s3cret-4471';
/** The test URL with a password (node-redis sends it; a Redis without requirepass accepts any). */
const SECRET_URL = REDIS.password ? REDIS_URL : formatBrokerUrl({ ...REDIS, password: REDIS_SECRET });
const SECRET = REDIS.password ?? REDIS_SECRET;

function redisCli(args: string[], timeout = 10000) {
  const auth = REDIS.password ? ['--no-auth-warning', '-a', REDIS.password, ...(REDIS.username ? ['--user', REDIS.username] : [])] : [];
  return spawnSync('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), ...auth, ...args], { encoding: 'utf8', timeout });
}
function redisPing(): boolean {
  const r = redisCli(['ping'], 3000);
  return r.status === 0 && r.stdout.trim() === 'PONG';
}
/** Running (a zombie waiting to be reaped by init counts as stopped). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

interface RedisServer {
  pid: number;
  args: string[];
  dir: string;
  dump: string;
  /** A snapshot file was there before the test (then it is left in place). */
  dumpExisted: boolean;
  save: string;
}

/** How the running server is configured, to start it again the same way. */
function runningRedis(): RedisServer {
  const get = (key: string): string => {
    const r = redisCli(['config', 'get', key]);
    if (r.status !== 0) throw new Error(`redis-cli config get ${key} failed: ${r.stderr || r.error?.message}`);
    return r.stdout.split('\n')[1]?.trim() ?? '';
  };
  const pid = Number(/process_id:(\d+)/.exec(redisCli(['info', 'server']).stdout)?.[1]);
  assert.ok(pid > 0, 'the Redis server pid (INFO server)');
  const words = (v: string) => (v ? v.split(/\s+/) : ['']);
  const dir = get('dir');
  const dbfilename = get('dbfilename');
  const save = get('save');
  const args = [
    '--daemonize', 'yes', '--bind', ...words(get('bind') || '127.0.0.1'), '--port', String(REDIS.port),
    '--save', ...words(save), '--appendonly', get('appendonly') || 'no', '--dir', dir, '--dbfilename', dbfilename,
  ];
  for (const key of ['logfile', 'pidfile']) {
    const v = get(key);
    if (v) args.push(`--${key}`, v);
  }
  const dump = join(dir, dbfilename);
  return { pid, args, dir, dump, dumpExisted: existsSync(dump), save };
}

/**
 * Stop the server with SIGTERM: Redis runs the same shutdown as the SHUTDOWN command (with `save ''`: nothing is
 * saved, as `shutdown nosave`), and unlike the command it is not held back by CLIENT PAUSE, which the tests use to
 * have operations under way when Redis goes.
 */
async function stopRedis(s: RedisServer): Promise<void> {
  process.kill(s.pid, 'SIGTERM');
  const end = Date.now() + 15000;
  while (pidAlive(s.pid) || redisPing()) {
    if (Date.now() > end) throw new Error(`Redis (pid ${s.pid}) did not stop within 15 s`);
    await sleep(50);
  }
}

/** Start it again as it was (unless it is running); waits until it answers PING, then notes its new pid. */
function startRedisSync(s: RedisServer): void {
  if (!pidAlive(s.pid) && !redisPing()) {
    const r = spawnSync('redis-server', s.args, { cwd: s.dir, encoding: 'utf8', timeout: 20000 });
    if (r.status !== 0) throw new Error(`redis-server ${s.args.join(' ')} failed: ${r.error?.message ?? ''} ${r.stderr ?? ''} ${r.stdout ?? ''}`);
  }
  // (running but paused by CLIENT PAUSE, it answers when the pause ends)
  const end = Date.now() + 15000;
  while (!redisPing()) {
    if (Date.now() > end) throw new Error('Redis did not answer PING within 15 s of being started again');
    spawnSync('sleep', ['0.05']);
  }
  s.pid = Number(/process_id:(\d+)/.exec(redisCli(['info', 'server']).stdout)?.[1]) || s.pid;
}

/** Hold every client (or only writes) for a moment; short, so that a test failing meanwhile leaves no paused Redis. */
function pauseRedis(mode: 'ALL' | 'WRITE'): void {
  const r = redisCli(['client', 'pause', String(PAUSE_MS), mode]);
  assert.equal(r.stdout.trim(), 'OK', `CLIENT PAUSE ${mode}: ${r.stdout} ${r.stderr}`);
}
const PAUSE_MS = 5000;

/**
 * Run `fn` with the exclusive Redis lock and the server's settings; whatever happens, Redis is running again
 * afterwards (also if the process exits while it is down), db 12 is empty, and a snapshot file the test made is
 * removed.
 */
async function withRedisRestart(t: TestContext, fn: (s: RedisServer) => Promise<void>): Promise<void> {
  const release = await acquireRedisExclusive();
  let s: RedisServer | undefined;
  const onExit = () => {
    try {
      if (s) startRedisSync(s);
      redisCli(['-n', String(REDIS.db), 'flushdb']);
    } catch {
      /* nothing more can be done while exiting */
    }
    if (s && !s.dumpExisted) rmSync(s.dump, { force: true });
  };
  try {
    s = runningRedis();
    process.once('exit', onExit);
    await fn(s);
  } finally {
    try {
      if (s) {
        if (!pidAlive(s.pid)) t.diagnostic('starting Redis again after a failure');
        startRedisSync(s);
        await rawRedis((c) => c.flushDb());
      }
    } finally {
      process.removeListener('exit', onExit);
      if (s && !s.dumpExisted) rmSync(s.dump, { force: true });
      release();
    }
  }
}

/** Redis is there, and redis-cli / redis-server to restart it (CI=true: they must be). */
async function canRestartRedis(t: TestContext): Promise<boolean> {
  if (!(await need(t, 'redis'))) return false;
  for (const bin of ['redis-cli', 'redis-server']) {
    if (spawnSync(bin, ['--version'], { encoding: 'utf8' }).error) {
      if (CI) throw new Error(`CI=true and ${bin} is not available`);
      t.skip(`${bin} not available`);
      return false;
    }
  }
  const pid = Number(/process_id:(\d+)/.exec(redisCli(['info', 'server']).stdout)?.[1]);
  let why = '';
  if (!['127.0.0.1', 'localhost', '::1'].includes(REDIS.host)) why = `the test Redis ${REDIS.redacted} is not on this machine`;
  else if (!(pid > 0)) why = 'the Redis server pid is unknown (INFO server)';
  else {
    try {
      process.kill(pid, 0);
    } catch (e) {
      why = `cannot signal the Redis server (pid ${pid}): ${(e as NodeJS.ErrnoException).code}`;
    }
  }
  if (!why) return true;
  if (CI) throw new Error(`CI=true and Redis cannot be restarted: ${why}`);
  t.skip(why);
  return false;
}

async function rawRedis<T>(fn: (c: Awaited<ReturnType<typeof openRedis>>) => Promise<T>): Promise<T> {
  const c = await openRedis(REDIS_URL);
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}
const llen = (queue: string) => rawRedis(async (c) => (await Promise.all(queueLists(queue).map((l) => c.lLen(l)))).reduce((a, n) => a + Number(n), 0));

/** `p`, or a rejection after `ms` (the timer does not keep the process alive afterwards). */
async function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(message)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

function assertClear(e: unknown, codes: string[], what: string): BrokerError {
  assert.ok(e instanceof BrokerError, `${what}: a BrokerError, not ${String(e)}`);
  assert.ok(codes.includes(e.code), `${what}: code ${e.code} (${e.message})`);
  assert.ok(e.message.includes(`${REDIS.host}:${REDIS.port}`), `${what}: the message names the broker: ${e.message}`);
  const all = `${e.message} ${e.stack} ${JSON.stringify(e)}`;
  assert.ok(!all.includes(SECRET), `${what}: the password is shown: ${all}`);
  return e;
}

test('Redis restart under the explorer: a refresh under way settles at once with a clear message, the session backs off, reconnects by itself and shows exactly what Redis kept', { timeout: 360000 }, async (t) => {
  if (!(await canRestartRedis(t))) return;
  await withRedisRestart(t, async (server) => {
    await rawRedis((c) => c.flushDb());
    const saved: string[] = [];
    for (let i = 0; i < 3; i++) saved.push((await publishTask(SECRET_URL, { task: 'proj.work', args: [i], exchange: '', routingKey: 'work' })).id);
    const states: string[] = [];
    const session: Session = new Session({
      load: () => loadSnapshot(SECRET_URL, { timeoutMs: 3000, knownQueues: ['work'] }),
      intervalMs: () => 500, // healthy: every 0.5 s; away: 2 s, 4 s, 8 s … (client/src/explorer/backoff.ts)
      onChange: () => {
        if (states[states.length - 1] !== session.state) states.push(session.state);
      },
      describeError: (e) => (e instanceof BrokerError ? e.message : `Unexpected error: ${String(e)}`),
    });
    try {
      await session.connect();
      assert.equal(session.state, 'connected', session.error);
      const workReady = () => findVhost(session.snapshot!)?.queues.find((q) => q.name === 'work')?.messagesReady;
      assert.equal(workReady(), 3);
      // a snapshot on disk with the three; two more after it, which the restart will lose (save '' on shutdown)
      assert.equal(redisCli(['save']).stdout.trim(), 'OK');
      const unsaved: string[] = [];
      for (let i = 3; i < 5; i++) unsaved.push((await publishTask(SECRET_URL, { task: 'proj.work', args: [i], exchange: '', routingKey: 'work' })).id);
      await session.refresh();
      assert.equal(workReady(), 5);

      // a refresh under way when Redis stops: every client is held (CLIENT PAUSE), the refresh starts, Redis stops
      pauseRedis('ALL');
      let settledAt = 0;
      const during = session.refresh().finally(() => (settledAt = Date.now()));
      await sleep(300);
      assert.equal(session.refreshing, true, 'the refresh is waiting for Redis');
      const t0 = Date.now();
      await stopRedis(server);
      await within(during, 10000, 'the refresh under way did not settle within 10 s of Redis stopping');
      const settleMs = settledAt - t0;
      t.diagnostic(`refresh under way: settled ${settleMs} ms after SIGTERM: ${session.error}`);
      assert.equal(session.state, 'error');
      assert.ok(settleMs < 3000, `settled after ${settleMs} ms`);
      assert.match(session.error ?? '', /Lost the connection|connection refused|ECONNRESET/);
      assert.ok(session.error!.includes(`${REDIS.host}:${REDIS.port}`) && !session.error!.includes(SECRET), session.error);
      assert.equal(workReady(), 5, 'the last snapshot stays on show while the broker is away');

      // while it is down: a refresh fails at once, and the next one is planned with backoff
      const t1 = Date.now();
      await session.refresh();
      const downMs = Date.now() - t1;
      t.diagnostic(`refresh while Redis is down: failed in ${downMs} ms: ${session.error}`);
      assert.ok(downMs < 1500, `took ${downMs} ms`);
      assert.match(session.error ?? '', /connection refused/);
      assert.equal(session.failures, 2);
      assert.ok(session.nextRetryMs !== null && session.nextRetryMs >= 3600 && session.nextRetryMs <= 4000, `next retry in ${session.nextRetryMs} ms`);

      // started again: the session's own timer reconnects (no refresh from the test)
      startRedisSync(server);
      const t2 = Date.now();
      await eventually(async () => session.state, (s) => s === 'connected', 30000, 50);
      t.diagnostic(`session reconnected by itself ${Date.now() - t2} ms after Redis was back (states: ${states.join(' → ')})`);
      assert.equal(session.state, 'connected', session.error);
      assert.equal(session.failures, 0);

      // exactly what Redis has: the three of the snapshot (once each), not the two written after it
      const expected = server.save === '' ? saved : [...saved, ...unsaved];
      assert.equal(await llen('work'), expected.length);
      assert.equal(workReady(), expected.length);
      const p = await peekMessages(SECRET_URL, 'work', 20);
      assert.deepEqual(p.messages.map((m) => m.id), expected, 'the messages Redis kept, in order, once each');
      assert.equal(p.countBefore, expected.length);
    } finally {
      session.dispose();
    }
  });
});

test('Redis restart under a peek and a publish: those under way and the ones while it is down fail fast and clearly; retried with backoff the peek shows the same messages, once each', { timeout: 360000 }, async (t) => {
  if (!(await canRestartRedis(t))) return;
  await withRedisRestart(t, async (server) => {
    await rawRedis((c) => c.flushDb());
    for (let i = 0; i < 3; i++) await publishTask(SECRET_URL, { task: 'proj.work', args: [i], exchange: '', routingKey: 'work' });
    await publishTask(SECRET_URL, { task: 'proj.urgent', exchange: '', routingKey: 'work', priority: 6 });
    const before = await peekMessages(SECRET_URL, 'work', 20);
    assert.equal(before.messages.length, 4);
    assert.equal(redisCli(['save']).stdout.trim(), 'OK'); // a Redis with persistence keeps them over a restart
    let back: Promise<void> | undefined;
    try {
      // under way when Redis stops: a publish whose LPUSH was sent (writes held by CLIENT PAUSE WRITE), and a
      // peek still connecting (then every client held)
      const settled: Record<string, number> = {};
      const failure = (what: string) => (e: unknown) => {
        settled[what] = Date.now();
        return e;
      };
      pauseRedis('WRITE');
      let inflightId = '';
      const publishing = publishTask(SECRET_URL, { task: 'proj.inflight', exchange: '', routingKey: 'work' }, { timeoutMs: 5000 })
        .then((r) => (inflightId = r.id, null), failure('publish'));
      await sleep(300);
      pauseRedis('ALL');
      const peeking = peekMessages(SECRET_URL, 'work', 20, { timeoutMs: 5000 }).then(() => null, failure('peek'));
      await sleep(300);
      const t0 = Date.now();
      await stopRedis(server);
      const [pubErr, peekErr] = await within(Promise.all([publishing, peeking]), 10000, 'an operation under way did not settle within 10 s of Redis stopping');
      assert.ok(peekErr !== null, 'the peek under way failed');
      assertClear(peekErr, ['connection-lost'], 'peek under way');
      t.diagnostic(`peek under way: failed ${settled.peek - t0} ms after SIGTERM: ${(peekErr as Error).message}`);
      assert.ok(settled.peek - t0 < 3000, `took ${settled.peek - t0} ms`);
      assert.ok(pubErr !== null, `the publish under way failed (not published as ${inflightId})`);
      const pe = assertClear(pubErr, ['connection-lost'], 'publish under way');
      t.diagnostic(`publish under way: failed ${settled.publish - t0} ms after SIGTERM: ${pe.message}`);
      assert.match(pe.message, /may or may not have been published/, 'a cut-off publish says that it may have happened');
      assert.ok(settled.publish - t0 < 3000, `took ${settled.publish - t0} ms`);
      const inflight = /\[([0-9a-f-]{36})\]/.exec(pe.message)?.[1];
      assert.ok(inflight, `the message names the message id: ${pe.message}`);

      for (const [what, op] of [
        ['peek', () => peekMessages(SECRET_URL, 'work', 20, { timeoutMs: 2000 })],
        ['refresh', () => loadSnapshot(SECRET_URL, { timeoutMs: 2000, knownQueues: ['work'] })],
      ] as const) {
        const t1 = Date.now();
        await assert.rejects(op(), (err: unknown) => !!assertClear(err, ['unreachable'], `${what} while down`));
        t.diagnostic(`${what} while Redis is down: failed in ${Date.now() - t1} ms`);
        assert.ok(Date.now() - t1 < 1500, `${what} took ${Date.now() - t1} ms`);
      }

      // peek again with backoff (as a user retrying would); Redis comes back after 1.5 s
      const retries: string[] = [];
      back = sleep(1500).then(() => startRedisSync(server));
      const t2 = Date.now();
      const after = await retryWithBackoff(() => peekMessages(SECRET_URL, 'work', 20, { timeoutMs: 2000 }), {
        attempts: 12, initialMs: 250, maxMs: 2000, onRetry: (n, d, err) => retries.push(`${n}: ${err instanceof BrokerError ? err.code : String(err)} → ${d} ms`),
      });
      await back;
      t.diagnostic(`peek succeeded ${Date.now() - t2} ms after the first attempt, after ${retries.length} retries (${retries.join('; ')})`);
      assert.ok(retries.length > 0, 'the first attempts met the stopped Redis');
      assert.deepEqual(after.messages.map((m) => m.id), before.messages.map((m) => m.id), 'the same four, in the same order, once each');
      assert.ok(!after.messages.some((m) => m.id === inflight), 'the cut-off publish never reached Redis (its LPUSH was held)');
      assert.equal(new Set(after.messages.map((m) => m.id)).size, 4);
      assert.equal(after.countBefore, 4);
      assert.equal(after.countAfter, 4);
      assert.equal(await llen('work'), 4, 'nothing taken by the peeks');
    } finally {
      await back?.catch(() => undefined); // (withRedisRestart starts it in any case)
    }
  });
});
