// After any sequence of edits in open buffers, the project must answer as a project opened fresh on the same
// texts: the keystroke paths (one-statement parse, reused assignment values, memoised routes) never go stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { inlineProject } from './helpers';
import { openProject, type Project } from '../../../server/src/service/project';
import { analysis } from '../../../server/src/service/analysis';

const FILES: Record<string, string> = {
  'proj/__init__.py': '',
  'proj/names.py': "Q = 'reports'\nKEY = 'rep.#'\n",
  'proj/celery.py': "from celery import Celery\n\napp = Celery('proj')\napp.config_from_object('proj.settings')\n",
  'proj/settings.py': [
    'from kombu import Exchange, Queue',
    'from proj.names import Q, KEY',
    '',
    "events = Exchange('events', type='topic')",
    "task_default_queue = 'celery'",
    'task_queues = (',
    "    Queue('celery'),",
    '    Queue(Q, events, routing_key=KEY),',
    "    Queue('media', Exchange('media'), routing_key='media'),",
    ')',
    "task_routes = {'proj.tasks.report': {'queue': Q}, 'proj.tasks.thumb': {'exchange': 'events', 'routing_key': 'rep.thumb'}}",
    'FILLER = 1  # a comment',
    '',
  ].join('\n'),
  'proj/tasks.py': "from proj.celery import app\n\n@app.task\ndef report():\n    pass\n\n@app.task(priority=3)\ndef thumb():\n    pass\n\ndef run():\n    report.apply_async(priority=1)\n",
  'docker-compose.yml': 'services:\n  w:\n    command: celery -A proj worker -Q celery,reports\n',
};

/** Everything an editor shows that depends on the analysis, as one comparable string. */
function answers(p: Project): string {
  const routes = p.tasks.map((t) => p.route({ task: t.name })).map((r) => [r.task, r.queue, r.exchange, r.routingKey, r.priority, r.deliveredTo, r.error]);
  const calls = p.calls.map((c) => p.routeCall(c)).map((r) => r && [r.task, r.queue, r.priority, r.deliveredTo]);
  // the editor's path: the diagnostics cached on the analysis (kept while an edit changes nothing they read)
  const diags = analysis(p).diagnostics().map((d) => `${d.code}@${d.loc.file.split('/').pop()}:${d.loc.range.start.line}:${d.message}`).sort();
  return JSON.stringify({ configs: p.apps.map((a) => a.config), routes, calls, diags });
}

// [file, text to find, replacement]: applied one after the other to the open buffers
const EDITS: Array<[string, string, string]> = [
  ['proj/settings.py', "type='topic'", "type='direct'"],
  ['proj/settings.py', "type='direct'", "type='topic'"],
  ['proj/settings.py', 'FILLER = 1', 'FILLER = 2'],
  ['proj/names.py', "Q = 'reports'", "Q = 'reportz'"],
  ['proj/settings.py', "'media'), routing_key='media'", "'media'), routing_key='medi'"],
  ['proj/settings.py', "task_default_queue = 'celery'", "task_default_queue = 'media'"],
  ['proj/names.py', "KEY = 'rep.#'", "KEY = 'rep.*'"],
  ['proj/settings.py', "{'queue': Q}", "{'queue': Q, 'priority': 5}"],
  ['proj/tasks.py', 'priority=3', 'priority=4'],
  ['proj/settings.py', 'FILLER = 2', 'dict = list\nFILLER = dict()'],
  ['proj/settings.py', "    Queue('celery'),", "    Queue('celery'),\n    Queue('extra'),"],
  ['proj/settings.py', "task_default_queue = 'media'", "task_default_queue = 'extra'"],
  ['docker-compose.yml', 'celery,reports', 'celery,reportz,extra'],
  // what rules read from a module besides its values: syntax errors, suppressions, its functions
  ['proj/settings.py', 'FILLER = dict()', 'FILLER = dict(('],
  ['proj/settings.py', 'FILLER = dict((', 'FILLER = dict()'],
  ['proj/settings.py', "task_routes = {'proj.tasks.report'", "task_routes = {'proj.tasks.helper': 'extra', 'proj.tasks.report'"],
  ['proj/tasks.py', 'def run():', 'def helper():\n    pass\n\ndef run():'],
  ['proj/settings.py', "task_routes = {'proj.tasks.helper'", "# celery-routing: ignore[route-to-plain-function]\ntask_routes = {'proj.tasks.helper'"],
  ['proj/settings.py', '# a comment', '# another comment'],
];

test('edits in open buffers answer exactly as a fresh open of the same texts', async () => {
  const { p, root, path } = await inlineProject(FILES);
  const texts = { ...FILES };
  for (const [f, t] of Object.entries(texts)) p.updateFile(path(f), t); // every file as an open buffer
  answers(p);
  for (const [f, find, repl] of EDITS) {
    assert.ok(texts[f].includes(find), `${f} has ${find}`);
    // the old text deleted, the new one typed a character at a time (half-typed code included)
    const target = texts[f].replace(find, repl);
    const at = texts[f].indexOf(find);
    const before = texts[f].slice(0, at);
    const after = texts[f].slice(at + find.length);
    for (let i = 0; i < repl.length; i++) {
      p.updateFile(path(f), before + repl.slice(0, i) + after);
      answers(p);
    }
    texts[f] = target;
    p.updateFile(path(f), target);
    writeFileSync(path(f), target);
    const fresh = await openProject(root);
    assert.equal(answers(p), answers(fresh), `after '${find}' → '${repl}' in ${f}`);
  }
});
