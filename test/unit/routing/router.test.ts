// Options building and task_routes lookup; expectations from real Celery 5.2.6 (oracle route.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { B, Q, X, config, map, send } from './helpers';
import { unpackError, globToRegexSource, compilePyRegex } from '../../../server/src/routing/index';
import type { RouterSpec } from '../../../server/src/routing/types';

/* task_default_queue='default'; task_default_priority=5; queues default, hi; route 'p.route9': {'queue': 'hi', 'priority': 9} */
const pcfg = config({
  defaultQueue: 'default', defaultPriority: 5,
  queues: [Q('default', X('default'), 'default'), Q('hi', X('hi'), 'hi'), B('bc')],
  routes: [map([['p.route9', { queue: 'hi', priority: 9 }], ['p.qobj', { $queue: Q('zz') }]])],
});

test('4. priority: decorator priority=0 wins (preopts carry it), apply_async(priority=None) lets the route win', () => {
  assert.equal(send(pcfg, 'p.route9').priority, 5);
  const z = send(pcfg, 'p.route9', {}, { priority: 0 });
  assert.equal(z.priority, 0);
  assert.equal(z.decidedBy.priority?.by, 'task-attribute');
  const n = send(pcfg, 'p.route9', { priority: null });
  assert.equal(n.priority, 9);
  assert.equal(n.decidedBy.priority?.by, 'route');
  const a = send(pcfg, 'p.route9', { priority: 0 });
  assert.equal(a.priority, 0);
  assert.equal(a.decidedBy.priority?.by, 'apply_async');
});

test('15. a Queue object as a route value → TypeError at send', () => {
  assert.equal(send(pcfg, 'p.qobj').error, "TypeError: 'Queue' object is not iterable");
});

test('15. a bare list of pairs in task_routes → ValueError on every send, even with an explicit queue', () => {
  // task_routes = [('feed.tasks.*', {'queue': 'feeds'})]
  const cfg = config({ routes: [{ kind: 'invalid', error: unpackError('feed.tasks.*'.length) }] });
  assert.equal(send(cfg, 'feed.tasks.a').error, 'ValueError: too many values to unpack (expected 2)');
  assert.equal(send(cfg, 'x', { queue: 'q' }).error, 'ValueError: too many values to unpack (expected 2)');
  assert.equal(unpackError(1), 'ValueError: not enough values to unpack (expected 2, got 1)');
});

test('14. regex and glob keys behave like re.compile(...).match and fnmatch.translate', () => {
  // {re.compile(r'(?i)Feed\.(?P<k>a|b)\Z'): 'q1', re.compile(r'^x\d+$'): 'q2', 'r.[ab].*': 'q3',
  //  'r.[!c]x*': 'q4', re.compile('pre'): 'q5', 'star*': 'q6'}
  const cfg = config({
    routes: [map([['re:(?i)Feed\\.(?P<k>a|b)\\Z', 'q1'], ['re:^x\\d+$', 'q2'], ['r.[ab].*', 'q3'], ['r.[!c]x*', 'q4'], ['re:pre', 'q5'], ['star*', 'q6']])],
  });
  const cases: [string, string][] = [
    ['feed.a', 'q1'], ['feed.ab', 'celery'], ['x12', 'q2'], ['x12a', 'celery'], ['r.a.z', 'q3'], ['r.c.z', 'celery'],
    ['r.dxq', 'q4'], ['r.cx', 'celery'], ['prefix.more', 'q5'], ['star\nnl', 'q6'],
  ];
  for (const [task, q] of cases) assert.equal(send(cfg, task).queue, q, task);
  assert.equal(globToRegexSource('a.*'), '^(?:a\\.[\\s\\S]*)$');
  assert.equal(compilePyRegex('(?x) a').re, null);
});

test('14. exact names beat patterns whatever their position; a later duplicate pattern keeps the first position', () => {
  const cfg = config({ routes: [map([['feed.*', 'a'], ['feed.x', 'b'], ['fe*', 'c'], ['feed.*', 'd']])] });
  assert.equal(send(cfg, 'feed.x').queue, 'b');
  assert.equal(send(cfg, 'feed.y').queue, 'd');
  assert.equal(send(cfg, 'fex').queue, 'c');
});

test('function router: first matching rule, fallthrough None → next router; partial router → unknown', () => {
  const fn: RouterSpec = {
    kind: 'function', name: 'route_task', complete: true, fallthrough: 'none',
    rules: [
      { tests: [{ kind: 'startswith', value: 'video.' }, { kind: 'endswith', value: '.encode' }], result: { kind: 'string', queue: 'video' } },
      { tests: [{ kind: 'in', values: ['a', 'b'] }, { kind: 'equals', value: 'c' }], match: 'any', result: { kind: 'options', options: { queue: 'ab', priority: 3 } } },
    ],
  };
  const cfg = config({ routes: [fn, map([['*', 'rest']])] });
  assert.equal(send(cfg, 'video.x.encode').queue, 'video');
  assert.equal(send(cfg, 'video.x.cut').queue, 'rest');
  const c = send(cfg, 'c');
  assert.equal(c.queue, 'ab');
  assert.equal(c.priority, 3);
  assert.deepEqual(c.decidedBy.queue, { by: 'route', router: 0, entry: 1, key: undefined, loc: undefined });
  const partial = config({ routes: [{ ...fn, complete: false } as RouterSpec, map([['*', 'rest']])] });
  const p = send(partial, 'zzz');
  assert.equal(p.queue, 'rest');
  assert.equal(p.unknowns.length, 1);
  assert.match(p.unknowns[0], /route_task could not be fully read.*assumes it returns None/);
});

test('unknown router: reported, and the result computed as if it returned None', () => {
  const cfg = config({ routes: [{ kind: 'unknown', reason: "'proj.routers.Router' is not in the workspace" }, map([['t', 'q']])] });
  const t = send(cfg, 't');
  assert.equal(t.queue, 'q');
  assert.match(t.unknowns[0], /proj\.routers\.Router/);
  assert.ok(t.steps.some((s) => s.includes('assuming None')));
  const u = send(cfg, 'other');
  assert.equal(u.queue, 'celery');
});

test('route value unknown / option unknown are reported, never silently guessed', () => {
  const cfg = config({ routes: [map([['t', { $unknown: 'computed at runtime' }], ['u', { queue: 'a', unknown: { routing_key: "os.environ['RK']" } }]])] });
  assert.match(send(cfg, 't').unknowns.join(), /computed at runtime/);
  assert.match(send(cfg, 'u').unknowns.join(), /RK/);
});

test('send_task has no task attributes: the decorator queue is ignored', () => {
  const t = send(config(), 'x', {}, { queue: 'other' }, 'send_task');
  assert.equal(t.queue, 'celery');
  assert.equal(send(config(), 'x', {}, { queue: 'other' }).queue, 'other');
});

test('a string route and apply_async exchange: route rk + apply_async exchange combine into a dropping pair (2)', () => {
  const cfg = config({ queues: [Q('celery'), Q('pay', X('pay'), 'pay')], routes: [map([['t', { queue: 'pay', routing_key: 'nope' }]])] });
  const t = send(cfg, 't', { exchange: 'pay' });
  assert.equal(t.exchange, 'pay');
  assert.equal(t.routingKey, 'nope');
  assert.equal(t.dropped, true);
  assert.equal(t.decidedBy.exchange?.by, 'apply_async');
  assert.equal(t.decidedBy.routing_key?.by, 'route');
});
