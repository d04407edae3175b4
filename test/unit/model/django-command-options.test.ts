// A Django management command's handle(**options): a send that reads an option gets the option's default
// from add_arguments (argparse's dest and default rules); outside a management command the parameter stays
// its callers' (Unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

const command = (cls: string) => [
  'from django.core.management.base import BaseCommand',
  'from proj.tasks import ping',
  '',
  `class ${cls}(BaseCommand):`,
  '    def add_arguments(self, parser):',
  "        parser.add_argument('--queue', type=str, default='resync')",
  "        group = parser.add_argument_group('routing')",
  "        group.add_argument('-p', '--to-queue', dest='other')",
  "        parser.add_argument('--dry-run', action='store_true')",
  '',
  '    def handle(self, *args, **options):',
  "        queue = options.get('queue')",
  '        ping.apply_async(queue=queue)',
  "        ping.apply_async(queue=options['other'] or 'fallback')",
  "        if not options['dry_run']:",
  "            ping.apply_async(queue=options.get('missing', 'given-default'))",
  '',
].join('\n');

test('management command options: defaults from add_arguments', async () => {
  const p = await openProject(writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\n",
    'proj/tasks.py': 'from proj.celery import app\n\n@app.task\ndef ping():\n    pass\n',
    'proj/management/__init__.py': '',
    'proj/management/commands/__init__.py': '',
    'proj/management/commands/resync.py': command('Command'),
    // the same class outside management/commands is not a command Django runs
    'proj/notacommand.py': command('Command'),
  }, 'cr-command-options-'));
  const route = (file: string, line: number) => {
    const c = p.calls.find((x) => x.loc.file.endsWith(file) && x.loc.range.start.line === line);
    assert.ok(c, `a send at ${file}:${line + 1}`);
    return p.routeCall(c)!;
  };
  const cmd = 'management/commands/resync.py';
  assert.equal(route(cmd, 12).queue, 'resync');
  assert.deepEqual(route(cmd, 12).unknowns, []);
  // dest= renames the option; no default → None → `or` takes the right side
  assert.equal(route(cmd, 13).queue, 'fallback');
  assert.equal(route(cmd, 15).queue, 'given-default');
  assert.match(route('proj/notacommand.py', 12).unknowns.join('\n'), /parameter 'options' of handle\(\), set by its callers/);
});
