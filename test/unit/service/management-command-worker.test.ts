// A worker started through a Django management command of the workspace (`hue runcelery worker --app x`,
// `manage.py celery_worker`): the celery command line the command's module builds is read, with the
// invocation's options or their add_argument defaults; a part that cannot be read is unresolved, said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';
import { hover } from '../../../server/src/service/hover';

const runcelery = [
  'import sys',
  'from celery.bin.celery import main as celery_main',
  'from django.core.management.base import BaseCommand',
  '',
  'class Command(BaseCommand):',
  '    def add_arguments(self, parser):',
  "        parser.add_argument('worker')",
  "        parser.add_argument('--app', type=str, default='proj.celery')",
  "        parser.add_argument('--queues', dest='queues')",
  "        parser.add_argument('--schedule_file', type=str, required=True, default='celerybeat-schedule')",
  '',
  '    def handle(self, *args, **options):',
  '        runcelery(**options)',
  '',
  'def runcelery(**options):',
  '    opts = [',
  "        'celery',",
  "        '--app=' + options['app'],",
  "        'worker',",
  "        '--loglevel=' + str(log_level),",
  "        '-Q', options.get('queues'),",
  '    ]',
  '    sys.argv = opts',
  '    celery_main()',
  '',
].join('\n');

test('management commands that run celery: argv list with options, shell string, unknown parts', async () => {
  const root = writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.conf.task_default_queue = 'fast'\n\n@app.task\ndef ping():\n    pass\n",
    'proj/management/__init__.py': '',
    'proj/management/commands/__init__.py': '',
    'proj/management/commands/runcelery.py': runcelery,
    'proj/management/commands/celery_worker.py': [
      'import shlex, subprocess',
      'from django.core.management.base import BaseCommand',
      'from django.utils import autoreload',
      '',
      'def restart_celery():',
      "    subprocess.call(shlex.split('celery -A proj worker -l info -Q fast,slow'))",
      '',
      'class Command(BaseCommand):',
      '    def handle(self, *args, **options):',
      '        autoreload.run_with_reloader(restart_celery)',
      '',
    ].join('\n'),
    Procfile: [
      'w1: bin/hue runcelery worker --app proj.celery --queues fast --schedule_file s',
      'w2: python manage.py celery_worker',
      'w3: bin/hue runcelery worker --schedule_file=s',
      'w4: python manage.py missing_celery_worker',
      'w5: python manage.py runcelerybeat',
      // argparse exits: --schedule_file is required (its default never applies)
      'w6: bin/hue runcelery worker --app proj.celery --queues fast',
    ].join('\n') + '\n',
  }, 'cr-command-worker-');
  const p = await openProject(root);
  const ws = p.workers.map((w) => ({ name: w.name, app: w.app, queues: w.queues, line: w.loc.range.start.line, file: w.loc.file }));
  assert.deepEqual(ws, [
    { name: 'w1', app: 'proj.celery', queues: ['fast'], line: 0, file: join(root, 'Procfile') },
    { name: 'w2', app: 'proj', queues: ['fast', 'slow'], line: 1, file: join(root, 'Procfile') },
    // no --queues given and no default: the -Q value is unknown, and said
    { name: 'w3', app: 'proj.celery', queues: ['${queues}'], line: 2, file: join(root, 'Procfile') },
    { name: 'w6', app: 'proj.celery', queues: ['fast'], line: 5, file: join(root, 'Procfile') },
  ]);
  const fails = computeDiagnostics(p).filter((d) => d.code === 'worker-fails-to-start');
  assert.deepEqual(fails.map((d) => [d.severity, d.loc.range.start.line]), [['warning', 5]]);
  assert.match(fails[0].message, /Worker w6 never consumes: runcelery requires --schedule_file \(required=True at proj\/management\/commands\/runcelery\.py:10\)/);
  assert.deepEqual(p.workers[2].unresolved, ['queues']);
  assert.match(p.workers[0].command, /^bin\/hue runcelery worker .* → proj\/management\/commands\/runcelery\.py: celery --app=proj\.celery worker/);
  const w6 = p.workers.find((w) => w.name === 'w6')!;
  assert.match(hover(p, w6.loc.file, readFileSync(w6.loc.file, 'utf8'), w6.loc.range.start)?.markdown ?? '', /✖ never starts: runcelery requires --schedule_file/);
  // the task's queue is consumed by the workers the commands start (not by w6, which never starts)
  assert.deepEqual(p.route({ task: 'proj.celery.ping' })!.consumers.map((c) => c.worker.name), ['w1', 'w2']);
});
