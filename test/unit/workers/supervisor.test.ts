import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('supervisor: [program:x] command=, continuation lines, inline comments, %(ENV_X)s', () => {
  const text = `[supervisord]
nodaemon=true

[program:gunicorn]
command=gunicorn proj.wsgi

[program:celery-default]
command=/srv/venv/bin/celery -A proj worker -l info -Q default,mail ; the main worker
directory=/srv/proj
numprocs=1

[program:celery-long]
command=celery -A proj worker
    -Q long_running
    --concurrency=2
environment=DJANGO_SETTINGS_MODULE="proj.settings",C_FORCE_ROOT="1"

[program:celery-env]
command=celery -A %(ENV_APP)s worker -Q %(ENV_QUEUES)s -n %(program_name)s@%%h
environment=QUEUES="from,supervisor"

[program:celerybeat]
command=celery -A proj beat
`;
  const ws = extractWorkers('/deploy/supervisord.conf', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'celery-default', app: 'proj', queues: ['default', 'mail'] },
    { name: 'celery-long', app: 'proj', queues: ['long_running'] },
    { name: 'celery-env@%h', app: '${APP}', queues: ['from', 'supervisor'], unresolved: ['APP'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/deploy/supervisord.conf');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[7, 55, 7, 62], [7, 63, 7, 67]]);
  assert.deepEqual(lc(ws[0].loc), [7, 8, 7, 67]);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[13, 7, 13, 19]]);
  assert.deepEqual(lc(ws[1].loc), [12, 8, 14, 19]);
  assert.deepEqual(ws[2].queueLocs!.map(lc), [[19, 20, 19, 24], [19, 25, 19, 35]]);
  assert.equal(ws[0].runsOn, 'supervisor program "celery-default"');
});

test('supervisor: conf.d file, .ini under a supervisor folder, celery env file gives nothing', () => {
  const text = '[program:worker]\ncommand = celery multi start w1 w2 -A proj -Q:w1 a -Q b\n';
  assert.deepEqual(extractWorkers('/etc/supervisor/conf.d/celery.conf', text).map(brief), [
    { name: 'w1', app: 'proj', queues: ['a'] },
    { name: 'w2', app: 'proj', queues: ['b'] },
  ]);
  assert.equal(extractWorkers('/deploy/supervisor/celery.ini', text).length, 2);
  assert.deepEqual(extractWorkers('/deploy/celery.conf', 'CELERYD_NODES="w1 w2"\nCELERY_BIN="/usr/bin/celery"\nCELERYD_OPTS="-Q:w1 a"\n'), []);
});
