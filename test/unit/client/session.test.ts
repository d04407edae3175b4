import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, type Timers } from '../../../client/src/explorer/session';
import type { BrokerSnapshot } from '../../../server/src/broker/snapshot';
import { rabbit } from './helpers';

class FakeTimers implements Timers {
  pending: Array<{ fn: () => void; ms: number; id: number }> = [];
  private n = 0;
  set(fn: () => void, ms: number) {
    const id = ++this.n;
    this.pending.push({ fn, ms, id });
    return id;
  }
  clear(h: unknown) {
    this.pending = this.pending.filter((p) => p.id !== h);
  }
  /** Run the next timer; returns its delay. */
  fire(): number {
    const p = this.pending.shift();
    assert.ok(p, 'a timer is scheduled');
    p.fn();
    return p.ms;
  }
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

test('connect → connected, then refreshes at the interval', async () => {
  const timers = new FakeTimers();
  let loads = 0;
  const s = new Session({ load: async () => (loads++, rabbit([], [])), intervalMs: () => 10_000, onChange: () => undefined, timers });
  assert.equal(s.state, 'disconnected');
  await s.connect();
  assert.equal(s.state, 'connected');
  assert.equal(loads, 1);
  assert.equal(timers.pending.length, 1);
  assert.equal(timers.pending[0].ms, 10_000);
  timers.fire();
  await tick();
  assert.equal(loads, 2);
  assert.equal(timers.pending.length, 1, 'exactly one timer at a time');
});

test('failures back off (growing delays), keep the last snapshot, and recover', async () => {
  const timers = new FakeTimers();
  let fail = false;
  const s = new Session({
    load: async () => {
      if (fail) throw new Error('connection refused');
      return rabbit([], []);
    },
    intervalMs: () => 10_000,
    onChange: () => undefined,
    timers,
  });
  await s.connect();
  const snap = s.snapshot;
  fail = true;
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    timers.fire();
    await tick();
    delays.push(timers.pending[0].ms);
  }
  assert.equal(s.state, 'error');
  assert.equal(s.error, 'connection refused');
  assert.equal(s.failures, 4);
  assert.equal(s.snapshot, snap, 'the stale snapshot stays');
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i] > delays[i - 1], `${delays}`);
  assert.ok(delays[0] >= 9000 && delays[0] <= 10_000, `${delays[0]}`);
  assert.equal(s.nextRetryMs, delays[3]);
  fail = false;
  timers.fire();
  await tick();
  assert.equal(s.state, 'connected');
  assert.equal(s.failures, 0);
  assert.equal(s.error, undefined);
  assert.equal(timers.pending[0].ms, 10_000);
});

test('concurrent refreshes share one load; a late answer after disconnect is ignored', async () => {
  const timers = new FakeTimers();
  const pending: Array<ReturnType<typeof deferred<BrokerSnapshot>>> = [];
  let changes = 0;
  const s = new Session({
    load: () => {
      const d = deferred<BrokerSnapshot>();
      pending.push(d);
      return d.promise;
    },
    intervalMs: () => 5000,
    onChange: () => changes++,
    timers,
  });
  const a = s.connect();
  const b = s.refresh();
  assert.equal(pending.length, 1);
  assert.equal(s.state, 'connecting');
  s.disconnect();
  pending[0].resolve(rabbit([], []));
  await Promise.all([a, b]);
  assert.equal(s.state, 'disconnected');
  assert.equal(s.snapshot, undefined);
  assert.equal(timers.pending.length, 0, 'nothing scheduled after a disconnect');
  assert.ok(changes > 0);
});

test('interval 0: no timer while healthy, none while failing either (refresh on demand)', async () => {
  const timers = new FakeTimers();
  const s = new Session({ load: async () => { throw new Error('x'); }, intervalMs: () => 0, onChange: () => undefined, timers });
  await s.connect();
  assert.equal(s.state, 'error');
  assert.equal(timers.pending.length, 0);
  assert.equal(s.nextRetryMs, null);
});

test('errors are described through describeError (secrets already scrubbed by the broker layer)', async () => {
  const s = new Session({
    load: async () => { throw new Error('raw'); },
    intervalMs: () => 0,
    onChange: () => undefined,
    timers: new FakeTimers(),
    describeError: () => 'described',
  });
  await s.connect();
  assert.equal(s.error, 'described');
});
