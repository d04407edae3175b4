import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B, Q, X, config } from './helpers';
import { consumersOf, workerQueues } from '../../../server/src/routing/index';
import type { WorkerFact } from '../../../server/src/model/types';

const loc = { file: '/p/Procfile', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } };
const W = (name: string, queues?: string[], excludeQueues?: string[]): WorkerFact => ({ name, queues, excludeQueues, command: 'celery worker', loc });

const cfg = config({ defaultQueue: 'default', queues: [Q('a', X('a'), 'a'), Q('b', X('b'), 'b'), B('bc')] });

test('11/12. a worker without -Q consumes task_queues only: not auto-created queues, not an undeclared default queue', () => {
  const all = W('all');
  assert.deepEqual(workerQueues(all, cfg).queues.map((q) => q.display), ['a', 'b', 'bc']);
  assert.deepEqual(consumersOf('a', [all], cfg).map((c) => c.via), ['all']);
  assert.deepEqual(consumersOf('default', [all], cfg), []);
  assert.deepEqual(consumersOf('newq', [all], cfg), []);
});

test('-Q names (auto-created by the worker with create_missing), -X excludes', () => {
  const w = W('w', ['a', 'newq'], ['a']);
  assert.deepEqual(workerQueues(w, cfg).queues.map((q) => q.name), ['newq']);
  const c = consumersOf('newq', [w], cfg);
  assert.equal(c.length, 1);
  assert.equal(c[0].createdByWorker, true);
  assert.equal(c[0].via, 'Q');
  // -X without -Q compares real queue names: a Broadcast alias excludes nothing
  assert.deepEqual(workerQueues(W('x', undefined, ['b', 'bc']), cfg).queues.map((q) => q.display), ['a', 'bc']);
});

test('-Q with an undeclared name and create_missing off → the worker does not start', () => {
  const off = { ...cfg, createMissingQueues: false };
  const r = workerQueues(W('w', ['a', 'zz']), off);
  assert.deepEqual(r.queues, []);
  assert.match(r.error ?? '', /^ImproperlyConfigured: Trying to select queue subset of \['a', 'zz'\], but queue 'zz' isn't\ndefined/);
});

test('Broadcast: every consuming worker gets its own copy', () => {
  const c = consumersOf('bc', [W('one'), W('two', ['bc']), W('three', ['a'])], cfg);
  assert.deepEqual(c.map((x) => [x.worker.name, x.ownCopy]), [['one', true], ['two', true]]);
});
