import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffSchedule, formatDelay, nextRefreshDelay } from '../../../client/src/explorer/backoff';
import { contextValue, gate, isMutating } from '../../../client/src/explorer/gating';

test('healthy connections refresh at the interval; 0 disables auto-refresh', () => {
  assert.equal(nextRefreshDelay({ intervalMs: 10_000, failures: 0 }), 10_000);
  assert.equal(nextRefreshDelay({ intervalMs: 0, failures: 0 }), null);
  assert.equal(nextRefreshDelay({ intervalMs: 0, failures: 3 }), null);
});

test('failures back off exponentially from max(interval, 2 s), capped at 5 min', () => {
  assert.deepEqual(backoffSchedule(10_000, 7), [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.deepEqual(backoffSchedule(1000, 4), [2000, 4000, 8000, 16_000]);
  // an interval longer than the cap is never shortened
  assert.equal(nextRefreshDelay({ intervalMs: 600_000, failures: 5 }), 600_000);
  assert.equal(nextRefreshDelay({ intervalMs: 10_000, failures: 1000 }), 300_000);
});

test('jitter only shortens, within its fraction', () => {
  const d = nextRefreshDelay({ intervalMs: 10_000, failures: 2, jitter: 0.1, random: () => 1 });
  assert.equal(d, 18_000);
  assert.equal(nextRefreshDelay({ intervalMs: 10_000, failures: 2, jitter: 0.1, random: () => 0 }), 20_000);
});

test('formatDelay', () => {
  assert.equal(formatDelay(500), '500 ms');
  assert.equal(formatDelay(40_000), '40 s');
  assert.equal(formatDelay(300_000), '5 min');
});

test('read-only connections refuse every mutating action, allow reading', () => {
  const ro = { readOnly: true, connected: true, label: 'prod' };
  for (const a of ['purge', 'publish', 'declare'] as const) {
    assert.equal(isMutating(a), true);
    assert.match(gate(a, ro) ?? '', /read-only/);
    assert.equal(gate(a, { ...ro, readOnly: false }), null);
  }
  for (const a of ['peek', 'tap', 'refresh', 'copy', 'reveal'] as const) {
    assert.equal(isMutating(a), false);
    assert.equal(gate(a, ro), null);
  }
  assert.match(gate('peek', { readOnly: false, connected: false, label: 'x' }) ?? '', /not connected/);
  assert.equal(gate('copy', { readOnly: true, connected: false, label: 'x' }), null);
});

test('contextValue lists the flags that are on', () => {
  assert.equal(contextValue('queue', { writable: true, readonly: false, connected: true }), 'queue writable connected');
});
