import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workersFromSegment, mightContainWorker } from '../../../server/src/parse/workers/command';
import { Doc, slice } from '../../../server/src/parse/workers/source';
import { assertQueueLocs, brief, lc, textAt } from './helpers';

const run = (cmd: string, name = 'ctx', implicitCelery = false) => {
  const d = new Doc('/w/cmd', cmd);
  const ws = workersFromSegment(slice(d, 0, cmd.length), { name, implicitCelery });
  for (const w of ws) assertQueueLocs(cmd, w, '/w/cmd');
  return ws;
};

test('celery -A proj worker -Q a,b -l info', () => {
  const [w, ...rest] = run('celery -A proj worker -Q a,b -l info');
  assert.equal(rest.length, 0);
  assert.deepEqual(brief(w), { name: 'ctx', app: 'proj', queues: ['a', 'b'] });
  assert.equal(w.command, 'celery -A proj worker -Q a,b -l info');
  assert.deepEqual(lc(w.loc), [0, 0, 0, 36]);
  assert.deepEqual(w.queueLocs!.map(lc), [[0, 25, 0, 26], [0, 27, 0, 28]]);
});

test('long forms with =, hostname names the worker', () => {
  const [w] = run('celery --app=proj worker --queues=a,b --hostname=w1@%h -c 4');
  assert.deepEqual(brief(w), { name: 'w1@%h', app: 'proj', queues: ['a', 'b'] });
  const [v] = run('celery -A proj worker -n fast@%h --queues fast');
  assert.deepEqual(brief(v), { name: 'fast@%h', app: 'proj', queues: ['fast'] });
});

test('old order, attached short values and clusters', () => {
  assert.deepEqual(brief(run('celery worker -A proj -Q a')[0]), { name: 'ctx', app: 'proj', queues: ['a'] });
  assert.deepEqual(brief(run('celery -Aproj worker -Qhigh,low -Ofair -linfo')[0]), { name: 'ctx', app: 'proj', queues: ['high', 'low'] });
  assert.deepEqual(brief(run('celery -A proj worker -EQ events')[0]), { name: 'ctx', app: 'proj', queues: ['events'] });
  // values of other options are not taken for queues
  assert.deepEqual(brief(run('celery -A proj worker -l -Q -c 2')[0]), { name: 'ctx', app: 'proj' });
});

test('repeated -Q: the last one wins (click option without multiple=True)', () => {
  const [w] = run('celery -A proj worker -Q a -Q b');
  assert.deepEqual(w.queues, ['b']);
});

test('exclude queues: -X, --exclude-queues a,b, --exclude-queues=a; queueLocs are queues then excluded', () => {
  const cmd = 'celery -A p worker -Q a,b -X c,d';
  const [w] = run(cmd);
  assert.deepEqual(brief(w), { name: 'ctx', app: 'p', queues: ['a', 'b'], excludeQueues: ['c', 'd'] });
  assert.deepEqual(w.queueLocs!.map((l) => textAt(cmd, l)), ['a', 'b', 'c', 'd']);
  assert.deepEqual(run('celery -A p worker --exclude-queues a,b')[0].excludeQueues, ['a', 'b']);
  assert.deepEqual(run('celery -A p worker --exclude-queues=a')[0].excludeQueues, ['a']);
  assert.equal(run('celery -A p worker --exclude-queues=a')[0].queues, undefined);
});

test('no -Q: queues undefined, no queueLocs', () => {
  const [w] = run('celery -A proj worker --loglevel=INFO');
  assert.equal(w.queues, undefined);
  assert.equal(w.queueLocs, undefined);
});

test('queue names trimmed, empty items dropped', () => {
  const cmd = 'celery -A p worker -Q "a, b,,c,"';
  const [w] = run(cmd);
  assert.deepEqual(w.queues, ['a', 'b', 'c']);
});

test('python -m celery and paths to the program', () => {
  assert.deepEqual(brief(run('python -m celery -A x worker -Q q')[0]), { name: 'ctx', app: 'x', queues: ['q'] });
  assert.deepEqual(brief(run('python3.11 -u -m celery -A x worker -Q q')[0]), { name: 'ctx', app: 'x', queues: ['q'] });
  assert.deepEqual(brief(run('/opt/venv/bin/celery -A x worker -Q q')[0]), { name: 'ctx', app: 'x', queues: ['q'] });
  assert.equal(run('python -m celery -A x worker')[0].command, 'python -m celery -A x worker');
});

test('not workers: beat, events, flower, inspect, unrelated commands', () => {
  assert.deepEqual(run('celery -A proj beat -l info'), []);
  assert.deepEqual(run('celery -A proj events'), []);
  assert.deepEqual(run('celery -A proj inspect active_queues'), []);
  assert.deepEqual(run('echo celery worker'), []);
  assert.deepEqual(run('pkill -f "celery -A proj worker -Q a"'), []);
  assert.deepEqual(run('sh -c "pgrep -f \'celery worker\' || celery -A p worker -Q b"').map((w) => w.queues), [['b']]);
  assert.deepEqual(run('gunicorn proj.wsgi'), []);
});

test('wrappers: exec, watchmedo, sh -c, bash -c, gosu, poetry run, && chains', () => {
  const a = 'watchmedo auto_restart --directory=./ --pattern=*.py --recursive -- celery -A proj worker -Q a,b';
  assert.deepEqual(brief(run(a)[0]), { name: 'ctx', app: 'proj', queues: ['a', 'b'] });
  const b = `sh -c "python manage.py migrate && exec celery -A proj worker -Q 'high,low'"`;
  const [w] = run(b);
  assert.deepEqual(brief(w), { name: 'ctx', app: 'proj', queues: ['high', 'low'] });
  assert.equal(w.command, "celery -A proj worker -Q 'high,low'");
  assert.equal(textAt(b, w.loc), "celery -A proj worker -Q 'high,low'");
  const c = `bash -c 'exec celery -A proj worker -Q "x"'`;
  assert.deepEqual(brief(run(c)[0]), { name: 'ctx', app: 'proj', queues: ['x'] });
  assert.deepEqual(brief(run('gosu celery celery -A proj worker -Q g')[0]), { name: 'ctx', app: 'proj', queues: ['g'] });
  assert.deepEqual(brief(run('poetry run celery -A proj worker -Q p')[0]), { name: 'ctx', app: 'proj', queues: ['p'] });
  assert.deepEqual(run('cd /app && celery -A p worker -Q one; celery -A p worker -Q two').map((x) => x.queues), [['one'], ['two']]);
  assert.deepEqual(brief(run(`su celery -c "celery -A p worker -Q s"`)[0]), { name: 'ctx', app: 'p', queues: ['s'] });
});

test('notes survive sh -c re-reading; unrelated unknowns are not reported', () => {
  const a = 'sh -c "cd $APP_DIR && celery -A proj worker -Q ${QUEUES:-x,y} -n ${NODE}@%h"';
  const [w] = run(a);
  assert.deepEqual(brief(w), { name: '${NODE}@%h', app: 'proj', queues: ['x', 'y'], envDefaults: ['QUEUES=x,y'], unresolved: ['NODE'] });
  assert.deepEqual(w.queueLocs!.map((l) => textAt(a, l)), ['x', 'y']);
  const b = `bash -c 'celery -A proj worker -Q "$(cat /etc/queues)"'`;
  assert.deepEqual(brief(run(b)[0]), { name: 'ctx', app: 'proj', queues: ['$(cat /etc/queues)'], unresolved: ['$(cat /etc/queues)'] });
});

test('backslash line continuations', () => {
  const cmd = 'celery -A proj \\\n  worker \\\n  -Q alpha,beta \\\n  -l info';
  const [w] = run(cmd);
  assert.deepEqual(brief(w), { name: 'ctx', app: 'proj', queues: ['alpha', 'beta'] });
  assert.deepEqual(w.queueLocs!.map(lc), [[2, 5, 2, 10], [2, 11, 2, 15]]);
  assert.deepEqual(lc(w.loc), [0, 0, 3, 9]);
});

test('env defaults and unknown variables', () => {
  const a = 'celery -A proj worker -Q ${CELERY_QUEUES:-default,high}';
  const [w] = run(a);
  assert.deepEqual(brief(w), { name: 'ctx', app: 'proj', queues: ['default', 'high'], envDefaults: ['CELERY_QUEUES=default,high'] });
  assert.deepEqual(w.queueLocs!.map(lc), [[0, 42, 0, 49], [0, 50, 0, 54]]);
  assert.deepEqual(brief(run('celery -A proj worker -Q ${Q-low}')[0]), { name: 'ctx', app: 'proj', queues: ['low'], envDefaults: ['Q=low'] });
  const b = 'celery -A proj worker -Q $QUEUES';
  const [u] = run(b);
  assert.deepEqual(brief(u), { name: 'ctx', app: 'proj', queues: ['$QUEUES'], unresolved: ['QUEUES'] });
  assert.equal(textAt(b, u.queueLocs![0]), '$QUEUES');
  assert.deepEqual(brief(run('celery -A ${APP} worker -Q "${QUEUES}",extra')[0]), { name: 'ctx', app: '${APP}', queues: ['${QUEUES}', 'extra'], unresolved: ['APP', 'QUEUES'] });
  // nested default
  assert.deepEqual(run('celery -A p worker -Q ${A:-${B:-z}}')[0].queues, ['z']);
  // an unknown expansion where options could be
  assert.deepEqual(brief(run('celery -A p worker $CELERY_OPTS')[0]), { name: 'ctx', app: 'p', unresolved: ['CELERY_OPTS'] });
  // unrelated unknowns are not reported
  assert.equal(run('celery -A p worker --logfile=$LOGDIR/w.log -Q a')[0].unresolved, undefined);
});

test('celery multi: one worker per node, -Q:name, plain -Q for the others', () => {
  const cmd = 'celery multi start w1 w2 w3 -A proj -Q:w1 a -Q:w2 b,c -Q default -l info';
  const ws = run(cmd);
  assert.deepEqual(ws.map(brief), [
    { name: 'w1', app: 'proj', queues: ['a'] },
    { name: 'w2', app: 'proj', queues: ['b', 'c'] },
    { name: 'w3', app: 'proj', queues: ['default'] },
  ]);
  assert.deepEqual(lc(ws[0].queueLocs![0]), [0, 42, 0, 43]);
  for (const w of ws) assert.deepEqual(lc(w.loc), [0, 0, 0, cmd.length]);
});

test('celery multi: numeric ranges, -Q:1-3, -Q:1,2, --range-prefix, global -A', () => {
  const ws = run('celery -A proj multi start 10 -l INFO -Q:1-3 images,video -Q:4,5 data -Q default -L:4,5 DEBUG');
  assert.equal(ws.length, 10);
  assert.deepEqual(ws.map((w) => [w.name, w.queues]), [
    ['celery1', ['images', 'video']], ['celery2', ['images', 'video']], ['celery3', ['images', 'video']],
    ['celery4', ['data']], ['celery5', ['data']],
    ['celery6', ['default']], ['celery7', ['default']], ['celery8', ['default']], ['celery9', ['default']], ['celery10', ['default']],
  ]);
  assert.ok(ws.every((w) => w.app === 'proj'));
  assert.deepEqual(run('celery multi start 2 --range-prefix=worker -Q:2 b').map((w) => [w.name, w.queues]), [['worker1', undefined], ['worker2', ['b']]]);
  assert.deepEqual(run('celery multi start a b -Q:1 x -Q:2 y').map((w) => w.queues), [['x'], ['y']]);
});

test('celery multi: node names with @, -X per node, restart, other multi commands', () => {
  const ws = run('celery multi restart img@%h vid@%h -A p -Q:img images -X:vid slow');
  assert.deepEqual(ws.map(brief), [
    { name: 'img@%h', app: 'p', queues: ['images'] },
    { name: 'vid@%h', app: 'p', excludeQueues: ['slow'] },
  ]);
  assert.deepEqual(run('celery multi stopwait w1 w2 -A p'), []);
  assert.deepEqual(run('celery multi show 3 -Q a'), []);
});

test('celery multi: unknown node list → one worker named after the context', () => {
  const ws = run('${CELERY_BIN} multi start ${CELERYD_NODES} -A ${CELERY_APP} --pidfile=${CELERYD_PID_FILE} ${CELERYD_OPTS}', 'celery');
  assert.equal(ws.length, 1);
  assert.deepEqual(brief(ws[0]), { name: 'celery', app: '${CELERY_APP}', unresolved: ['CELERY_BIN', 'CELERYD_NODES', 'CELERYD_OPTS', 'CELERY_APP'] });
});

test('celeryd (Celery 3) and implicit celery entrypoint', () => {
  assert.deepEqual(brief(run('celeryd -Q legacy -l info')[0]), { name: 'ctx', queues: ['legacy'] });
  assert.deepEqual(brief(run('worker -Q a,b -l info', 'svc', true)[0]), { name: 'svc', queues: ['a', 'b'] });
  assert.deepEqual(run('worker -Q a,b -l info', 'svc', false), []);
  assert.deepEqual(brief(run('-A proj worker -Q a', 'svc', true)[0]), { name: 'svc', app: 'proj', queues: ['a'] });
});

test('redirections, comments, background jobs', () => {
  const ws = run('celery -A p worker -Q a > /var/log/w.log 2>&1 & # start\ncelery -A p worker -Q b 2> err.log');
  assert.deepEqual(ws.map((w) => w.queues), [['a'], ['b']]);
  assert.equal(ws[0].command, 'celery -A p worker -Q a');
});

test('mightContainWorker', () => {
  assert.ok(mightContainWorker('web: gunicorn x\nworker: celery -A proj worker -l info'));
  assert.ok(mightContainWorker('command: ["celery",\n "-A", "x",\n "worker"]'));
  assert.ok(mightContainWorker('ExecStart=${CELERY_BIN} multi start'));
  assert.ok(mightContainWorker('command: worker -Q a,b'));
  assert.ok(!mightContainWorker('services:\n  web:\n    command: gunicorn app'));
  assert.ok(!mightContainWorker(''));
});

test('never throws on garbage', () => {
  const junk = ['"', "'", '${', '$(', '`', '{{', '\\', 'celery multi start', 'celery -A', 'celery worker -Q', 'celery multi start 999999999 -Q:1-999999 a',
    String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536))];
  for (const j of junk) assert.doesNotThrow(() => run(j));
  assert.equal(run('celery multi start 999999999 -Q:1-999999 a').length, 100);
});
