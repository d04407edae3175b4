// `@app.task` of an app imported from a package outside the workspace (bklog's `from blueapps.core.celery.celery
// import app`): a task, whose own options route it (a task attribute beats task_routes), with an Unknown naming the
// app whose configuration is not known — not given another app's configuration of the workspace. A relative import
// above the top-level package is an ImportError, not such an app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';

test('tasks of an app made outside the workspace', async () => {
  const p = await openProject(writeProject({
    // another project of the monorepo, with its own app
    'monitor/__init__.py': '',
    'monitor/celery.py': "from celery import Celery\nfrom kombu import Queue\napp = Celery('monitor')\napp.conf.task_default_queue = 'monitor'\napp.conf.task_queues = [Queue('monitor')]\n",
    'log/__init__.py': '',
    'log/tasks.py': [
      'from blueapps.core.celery.celery import app',
      '',
      "@app.task(ignore_result=True, queue='async_export')",
      'def export(x):',
      '    pass',
      '',
      '@app.task',
      'def plain():',
      '    pass',
      '',
      'def go():',
      '    export.delay(1)',
      '',
    ].join('\n'),
    Procfile: 'export: celery -A blueapps.core.celery worker -Q async_export\n',
    // a relative import that climbs above the top-level package raises ImportError: not an app made elsewhere
    'log/stale/__init__.py': '',
    'log/stale/copy.py': 'from ...celeryconf import app\n\n@app.task\ndef stale():\n    pass\n',
  }, 'cr-external-app-'));
  const t = p.task('log.tasks.export');
  assert.ok(t, 'log.tasks.export is a task');
  assert.equal(t.externalApp, 'blueapps.core.celery.celery.app');
  const r = p.route({ task: 'log.tasks.export' })!;
  assert.equal(r.queue, 'async_export');
  assert.equal(r.app, null);
  assert.match(r.unknowns.join('\n'), /the task's app blueapps\.core\.celery\.celery\.app is made outside the workspace/);
  assert.deepEqual(r.consumers.map((c) => c.worker.name), ['export']);
  // without options of its own: Celery's default, said — not the monitor app's 'monitor'
  const plain = p.route({ task: 'log.tasks.plain' })!;
  assert.equal(plain.queue, 'celery');
  assert.match(plain.unknowns.join('\n'), /made outside the workspace/);
  assert.equal(p.task('log.stale.copy.stale'), undefined);
  const call = p.calls.find((c) => c.loc.file.endsWith('log/tasks.py'))!;
  assert.equal(p.routeCall(call)!.queue, 'async_export');
  // judged by the monitor app's task_queues, the log app's queue and worker would be "undeclared": they are not
  const notes = computeDiagnostics(p).filter((d) => d.code === 'undeclared-queue' || d.code === 'worker-undeclared-queue');
  assert.deepEqual(notes.map((d) => d.message), []);
});
