// A worker started through a wrapper script of the workspace (`bash bin/run.sh -A proj worker -Q a`): the script
// is read with the invocation's arguments as $@ / $1..., and the workers it starts are the invocation's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

test('wrapper scripts: ARGS="$@" then celery ${ARGS}, exec celery "$@", a missing script', async () => {
  const root = writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.conf.task_default_queue = 'fast'\n\n@app.task\ndef ping():\n    pass\n",
    'bin/run_worker.sh': '#!/bin/bash\nset -e\nARGS="$@"\nwhile true; do\n  timeout 3600s celery ${ARGS}\ndone\n',
    'bin/entry.sh': '#!/bin/sh\nexec celery -A proj "$@"\n',
    Procfile: 'w1: bash bin/run_worker.sh -A proj worker -Q fast,slow -n fast@%h\nw2: ./bin/entry.sh worker -Q slow\nw3: sh missing.sh -A proj worker -Q x\n',
  }, 'cr-wrapper-');
  const p = await openProject(root);
  const ws = p.workers.map((w) => ({ name: w.name, app: w.app, queues: w.queues, line: w.loc.range.start.line, file: w.loc.file }));
  assert.deepEqual(ws, [
    { name: 'fast@%h', app: 'proj', queues: ['fast', 'slow'], line: 0, file: join(root, 'Procfile') },
    { name: 'w2', app: 'proj', queues: ['slow'], line: 1, file: join(root, 'Procfile') },
  ]);
  assert.match(p.workers[0].command, /^bash bin\/run_worker\.sh .* → bin\/run_worker\.sh: celery/);
  // the task's queue is consumed by the worker the script starts
  assert.deepEqual(p.route({ task: 'proj.celery.ping' })!.consumers.map((c) => c.worker.name), ['fast@%h']);
});

test("wrapper scripts: an image's entrypoint not in the workspace — the command's own worker, as before", async () => {
  const root = writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\n",
    'docker-compose.yml': 'services:\n  worker:\n    image: proj\n    entrypoint: /docker-entrypoint.sh\n    command: celery -A proj worker -Q slow\n',
  }, 'cr-wrapper-');
  const p = await openProject(root);
  assert.deepEqual(p.workers.map((w) => [w.name, w.queues, w.loc.range.start.line]), [['worker', ['slow'], 4]]);
});
