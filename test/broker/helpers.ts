// Shared set-up for the broker tests against the real RabbitMQ / Redis on this machine.
// Without CI a missing service skips with a message; with CI=true it fails.

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { RabbitManagementClient } from '../../server/src/broker/rabbitmqManagement';
import { formatBrokerUrl, parseBrokerUrl } from '../../server/src/broker/url';

export const RABBIT_BASE = process.env.CR_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
export const REDIS_URL = process.env.CR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/12';
export const CI = process.env.CI === 'true' || process.env.CI === '1';

function portOpen(host: string, port: number, ms = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function mgmtUp(): Promise<boolean> {
  try {
    await new RabbitManagementClient(RABBIT_BASE, { timeoutMs: 3000 }).overview();
    return true;
  } catch {
    return false;
  }
}

let rabbitState: Promise<string | null> | null = null;
/** null when usable, else why not. */
export function rabbitProblem(): Promise<string | null> {
  rabbitState ??= (async () => {
    const u = parseBrokerUrl(RABBIT_BASE);
    if (!(await portOpen(u.host, u.port))) return `RabbitMQ is not listening on ${u.host}:${u.port}`;
    if (!(await mgmtUp())) return 'the RabbitMQ management API (port 15672) does not answer — run `rabbitmq-plugins enable rabbitmq_management`';
    return null;
  })();
  return rabbitState;
}

let redisState: Promise<string | null> | null = null;
export function redisProblem(): Promise<string | null> {
  redisState ??= (async () => {
    const u = parseBrokerUrl(REDIS_URL);
    return (await portOpen(u.host, u.port)) ? null : `Redis is not listening on ${u.host}:${u.port}`;
  })();
  return redisState;
}

/** Returns false (test skipped) when the service is missing outside CI; throws in CI. */
export async function need(t: TestContext, which: 'rabbitmq' | 'redis'): Promise<boolean> {
  const problem = which === 'rabbitmq' ? await rabbitProblem() : await redisProblem();
  if (!problem) return true;
  if (CI) throw new Error(`CI=true and ${which} is unavailable: ${problem}`);
  t.skip(`${which} unavailable: ${problem}`);
  return false;
}

/** A fresh vhost with full permissions for guest, deleted afterwards. */
export async function withVhost<T>(fn: (url: string, vhost: string, mgmt: RabbitManagementClient) => Promise<T>): Promise<T> {
  const mgmt = new RabbitManagementClient(RABBIT_BASE, { timeoutMs: 10000 });
  const vhost = `cr-test-${randomBytes(4).toString('hex')}`;
  await mgmt.putVhost(vhost);
  try {
    await mgmt.setPermissions(vhost, parseBrokerUrl(RABBIT_BASE).username ?? 'guest');
    return await fn(formatBrokerUrl(parseBrokerUrl(RABBIT_BASE), { vhost }), vhost, mgmt);
  } finally {
    await mgmt.deleteVhost(vhost).catch(() => undefined);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `fn` returns truthy or the deadline passes (management stats lag a few seconds). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15000, every = 300): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await sleep(every);
    v = await fn();
  }
  return v;
}

// ---- a readers/writer lock per broker between test processes: the restart tests stop RabbitMQ / Redis, so
// ---- each waits until no other test file using that broker is running and keeps new ones waiting while it
// ---- runs. Every test file that talks to a real broker takes the shared lock of that broker (in `before`, or
// ---- around the test); a file that stops a broker takes its exclusive lock. Lock files are
// ---- `<broker>-reader-<pid>` / `<broker>-writer-<pid>`; files of dead processes are ignored and removed.
export type LockedBroker = 'rabbitmq' | 'redis';
const LOCK_DIR = '/tmp/celery-routing-broker-test-locks';
/** How long to wait for the other side before failing with the pids in the way (not proceeding regardless). */
const LOCK_WAIT_MS = Number(process.env.CR_TEST_LOCK_WAIT_MS) || 240000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
function holders(broker: LockedBroker, kind: 'reader' | 'writer'): number[] {
  if (!existsSync(LOCK_DIR)) return [];
  const prefix = `${broker}-${kind}-`;
  return readdirSync(LOCK_DIR)
    .filter((f) => f.startsWith(prefix))
    .map((f) => Number(f.slice(prefix.length)))
    .filter((pid) => {
      if (!Number.isInteger(pid) || pid === process.pid) return false;
      if (alive(pid)) return true;
      rmSync(`${LOCK_DIR}/${prefix}${pid}`, { force: true });
      return false;
    });
}

async function waitUntilNone(broker: LockedBroker, kind: 'reader' | 'writer', why: string): Promise<void> {
  const end = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const pids = holders(broker, kind);
    if (!pids.length) return;
    if (Date.now() > end) {
      throw new Error(`waited ${LOCK_WAIT_MS / 1000} s ${why}: ${broker} ${kind} lock held by pid ${pids.join(', ')} (${LOCK_DIR})`);
    }
    await sleep(250);
  }
}

/** Shared use of a broker; returns the release function (idempotent). */
export async function acquireShared(broker: LockedBroker): Promise<() => void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const f = `${LOCK_DIR}/${broker}-reader-${process.pid}`;
  for (;;) {
    await waitUntilNone(broker, 'writer', `for a test that restarts ${broker} to finish`);
    writeFileSync(f, '');
    if (holders(broker, 'writer').length === 0) break;
    rmSync(f, { force: true }); // a writer slipped in between: let it go first
  }
  return () => rmSync(f, { force: true });
}

/** Sole use of a broker (it is going to be stopped); returns the release function. */
export async function acquireExclusive(broker: LockedBroker): Promise<() => void> {
  mkdirSync(LOCK_DIR, { recursive: true });
  await waitUntilNone(broker, 'writer', `for another test that restarts ${broker} to finish`);
  const f = `${LOCK_DIR}/${broker}-writer-${process.pid}`;
  writeFileSync(f, '');
  try {
    await waitUntilNone(broker, 'reader', `for the other test files using ${broker} to finish`);
  } catch (e) {
    rmSync(f, { force: true });
    throw e;
  }
  return () => rmSync(f, { force: true });
}

export const acquireRabbitShared = (): Promise<() => void> => acquireShared('rabbitmq');
export const acquireRabbitExclusive = (): Promise<() => void> => acquireExclusive('rabbitmq');
export const acquireRedisShared = (): Promise<() => void> => acquireShared('redis');
export const acquireRedisExclusive = (): Promise<() => void> => acquireExclusive('redis');
