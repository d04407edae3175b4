// Added diagnostics (transport differences, unknown names) and the quick fixes that need file text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inlineProject, read, FIXTURES } from './helpers';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';
import { codeActions, declareQueue } from '../../../server/src/service/codeactions';

const ALL = { start: { line: 0, character: 0 }, end: { line: 9999, character: 0 } };
const apply = (text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>) => {
  const lines = text.split('\n');
  const off = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => off(b.range.start) - off(a.range.start)).reduce((t, e) => t.slice(0, off(e.range.start)) + e.newText + t.slice(off(e.range.end)), text);
};

test('Redis: priorities are inverted sub-lists (information); SQS: headers exchange unsupported', async () => {
  const redis = await inlineProject({
    'app.py': "from celery import Celery\napp = Celery('a', broker='redis://localhost:6379/0')\n\n@app.task(priority=7)\ndef work():\n    pass\n",
  });
  const d = computeDiagnostics(redis.p).filter((x) => x.code === 'transport-priority');
  assert.equal(d.length, 1);
  assert.match(d[0].message, /lower numbers are consumed first/);
  const sqs = await inlineProject({
    'app.py': "from celery import Celery\nfrom kombu import Exchange, Queue\napp = Celery('a', broker='sqs://')\napp.conf.task_queues = [Queue('h', Exchange('hx', type='headers'))]\n",
  });
  assert.ok(computeDiagnostics(sqs.p).some((x) => x.code === 'transport-unsupported' && /SQS/.test(x.message)));
});

test('send_task with a near-miss name: warning and the typo fix', async () => {
  const { p, path, text } = await inlineProject({
    'proj/__init__.py': '',
    'proj/tasks.py': "from celery import Celery\napp = Celery('proj')\n\n@app.task\ndef export_report():\n    pass\n\ndef go():\n    app.send_task('proj.tasks.export_reprot')\n    app.send_task('billing.charge')\n",
  });
  const d = computeDiagnostics(p).filter((x) => x.code === 'unknown-task-name');
  assert.equal(d.length, 1, 'names of other services (far from every known name) are not flagged');
  const acts = codeActions(p, path('proj/tasks.py'), ALL, d, read);
  assert.equal(acts.length, 1);
  assert.match(apply(text('proj/tasks.py'), acts[0].edits), /send_task\('proj\.tasks\.export_report'\)/);
});

test('wrap a bare items list (fixture 25): the fix makes the error go away', async () => {
  const root = join(FIXTURES, '25_routes_bare_items_list');
  const p = await openProject(root);
  const d = computeDiagnostics(p).filter((x) => x.code === 'routes-not-wrapped');
  assert.ok(d.length >= 1);
  const acts = codeActions(p, d[0].loc.file, d[0].loc.range, d, read).filter((a) => /Wrap/.test(a.title));
  assert.equal(acts.length, 1);
  const fixed = apply(read(d[0].loc.file)!, acts[0].edits);
  assert.match(fixed, /task_routes = \(\[/);
  p.updateFile(d[0].loc.file, fixed);
  assert.equal(computeDiagnostics(p).filter((x) => x.code === 'routes-not-wrapped' || x.code === 'send-raises').length, 0);
});

test('mixed old and new names (fixture 07): rename to the majority format fixes ImproperlyConfigured', async () => {
  const root = join(FIXTURES, '07_mixed_old_new_names');
  const p = await openProject(root);
  const d = computeDiagnostics(p).filter((x) => x.code === 'mixed-setting-names');
  assert.equal(d.length, 1);
  const acts = codeActions(p, d[0].loc.file, d[0].loc.range, d, read);
  assert.equal(acts.length, 1);
  const file = d[0].loc.file;
  const fixed = apply(read(file)!, acts[0].edits.filter((e) => e.file === file));
  assert.match(fixed, /worker_prefetch_multiplier = 1/);
  p.updateFile(file, fixed);
  assert.equal(computeDiagnostics(p).filter((x) => x.code === 'mixed-setting-names').length, 0);
});

test('declare a missing queue in a dict-form task_queues and in a one-line list', async () => {
  const dict = await inlineProject({ 'app.py': "from celery import Celery\napp = Celery('a')\napp.conf.task_queues = {'a': {'exchange': 'a'}}\n" });
  const e1 = declareQueue(dict.p, 'b', read);
  assert.equal(apply(dict.text('app.py'), e1).split('\n')[2], "app.conf.task_queues = {'a': {'exchange': 'a'}, 'b': {'exchange': 'b', 'routing_key': 'b'}}");
  const list = await inlineProject({ 'app.py': "from celery import Celery\nfrom kombu import Queue\napp = Celery('a')\napp.conf.task_queues = [Queue('a')]\napp.conf.task_default_queue = 'a'\napp.conf.task_create_missing_queues = False\n\n@app.task(queue='b')\ndef t():\n    pass\n" });
  const d = computeDiagnostics(list.p).filter((x) => x.code === 'send-raises');
  assert.equal(d[0].data?.queue, 'b');
  const acts = codeActions(list.p, d[0].loc.file, d[0].loc.range, d, read).filter((a) => /Declare/.test(a.title));
  const fixed = apply(list.text('app.py'), acts[0].edits);
  assert.match(fixed, /task_queues = \[Queue\('a'\), Queue\('b'\)\]/);
  list.p.updateFile(list.path('app.py'), fixed);
  assert.equal(computeDiagnostics(list.p).filter((x) => x.code === 'send-raises').length, 0);
});
