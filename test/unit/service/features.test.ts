// The language service without LSP: hover, completion, code lens, navigation, rename, symbols on small
// projects (inline in a temp dir) and on the fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inlineProject, read, posOf, FIXTURES } from './helpers';
import { openProject } from '../../../server/src/service/project';
import { hover } from '../../../server/src/service/hover';
import { complete } from '../../../server/src/service/completion';
import { codeLenses, traceAt } from '../../../server/src/service/codelens';
import { definition, references } from '../../../server/src/service/navigation';
import { renameQueue, prepareRename } from '../../../server/src/service/rename';
import { documentSymbols, workspaceSymbols, fuzzy } from '../../../server/src/service/symbols';
import { settingDoc } from '../../../server/src/service/settings-docs';

const DJANGO = {
  'proj/__init__.py': '',
  'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n",
  'proj/settings.py': "from kombu import Queue\nCELERY_TASK_QUEUES = (Queue('fast'), Queue('slow'))\nCELERY_ROUTES = {'proj.tasks.add': {'queue': 'fast'}}\n",
  'proj/tasks.py': "from proj.celery import app\n\n@app.task\ndef add(x, y):\n    return x + y\n",
  'Procfile': 'worker: celery -A proj worker -Q fast,slow\n',
};

test('completion offers setting names in the file style (CELERY_-namespaced in Django settings)', async () => {
  const { p, path, text } = await inlineProject(DJANGO);
  const f = path('proj/settings.py');
  const src = text('proj/settings.py') + 'CELERY_TASK_DEF';
  const items = complete(p, f, src, { line: 3, character: 15 });
  assert.ok(items.some((i) => i.label === 'CELERY_TASK_DEFAULT_QUEUE'));
  assert.ok(!items.some((i) => i.label === 'task_default_queue'));
  const doc = items.find((i) => i.label === 'CELERY_TASK_DEFAULT_QUEUE')!.documentation!;
  assert.match(doc, /Django/);
  // app.conf.<name> is always the new lowercase name
  const conf = complete(p, path('proj/celery.py'), 'app.conf.', { line: 0, character: 9 });
  assert.ok(conf.some((i) => i.label === 'task_routes'));
});

test('completion in an old-style config module offers old names', async () => {
  const { p, path } = await inlineProject({ 'celeryconfig.py': "CELERY_DEFAULT_QUEUE = 'x'\nCELERY_QUEUES = ()\n", 'app.py': "from celery import Celery\napp = Celery('a')\napp.config_from_object('celeryconfig')\n" });
  const items = complete(p, path('celeryconfig.py'), "CELERY_DEFAULT_QUEUE = 'x'\nCELERY_QUEUES = ()\nCEL", { line: 2, character: 3 });
  assert.ok(items.some((i) => i.label === 'CELERY_ROUTES'), 'old name of task_routes');
  assert.ok(!items.some((i) => i.label === 'CELERY_TASK_ROUTES'));
});

test('completion: routing keys of existing bindings, task names in send_task, route option keys', async () => {
  const { p, path } = await inlineProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\nfrom kombu import Exchange, Queue\napp = Celery('proj')\nev = Exchange('events', type='topic')\napp.conf.task_queues = [Queue('users', ev, routing_key='user.*')]\n",
    'proj/tasks.py': "from proj.celery import app\n\n@app.task\ndef notify():\n    pass\n",
  });
  const src = "from proj.celery import app\napp.send_task('', queue='users')\nnotify.apply_async(routing_key='', exchange='events')\n";
  const f = path('proj/use.py');
  assert.deepEqual(complete(p, f, src, posOf(src, "send_task('", 11)).map((i) => i.label), ['proj.tasks.notify']);
  const rk = complete(p, f, src, posOf(src, "routing_key='", 13));
  assert.deepEqual(rk.map((i) => i.label), ['user.*']);
  assert.match(rk[0].documentation!, /binds `users` to `events` \(topic\)/);
  const routes = "app.conf.task_routes = {'proj.tasks.notify': {''}}\n";
  assert.ok(complete(p, f, routes, posOf(routes, "{''", 2)).some((i) => i.label === 'routing_key'));
  const keys = "app.conf.task_routes = {'': 'users'}\n";
  const k = complete(p, f, keys, posOf(keys, "{'", 2)).map((i) => i.label);
  assert.ok(k.includes('proj.tasks.notify') && k.includes('proj.tasks.*'), k.join());
});

test('hover on a queue in a Procfile -Q list and on a task definition', async () => {
  const { p, path, text } = await inlineProject(DJANGO);
  const h = hover(p, path('Procfile'), text('Procfile'), posOf(text('Procfile'), 'slow', 1));
  assert.ok(h);
  assert.match(h.markdown, /queue `slow`/);
  assert.match(h.markdown, /consumed by: worker \*\*worker\*\*/);
  // CELERY_ROUTES is an old name under namespace='CELERY': ignored, so add goes to the default queue
  const t = hover(p, path('proj/tasks.py'), text('proj/tasks.py'), posOf(text('proj/tasks.py'), 'def add', 5));
  assert.match(t!.markdown, /queue +celery/);
  assert.doesNotMatch(t!.markdown, /queue +fast/);
});

test('setting docs carry the three spellings and the default', () => {
  const d = settingDoc('task_routes')!;
  assert.match(d.markdown, /CELERY_TASK_ROUTES/);
  assert.match(d.markdown, /CELERY_ROUTES/);
  assert.equal(settingDoc('no_such_setting'), undefined);
});

test('code lens and trace on fixture 01 (no workers: every queue waits)', async () => {
  const root = join(FIXTURES, '01_conf_attrs_direct');
  const p = await openProject(root);
  const pay = join(root, 'shop', 'payments.py');
  const lenses = codeLenses(p, pay);
  assert.deepEqual(lenses.map((l) => l.title), ["⚠ payments: no known worker consumes 'payments'", "⚠ default: no known worker consumes 'default'"]);
  const conf = join(root, 'shop', 'celery.py');
  const routeLenses = codeLenses(p, conf);
  assert.equal(routeLenses.length, 2);
  assert.match(routeLenses[1].title, /^2 tasks ⚠ emails/);
  const t = traceAt(p, pay, { line: lenses[0].range.start.line, character: 5 });
  assert.equal(t?.task, 'shop.payments.capture');
  assert.ok(t!.related.some((r) => r.label === 'route that decided'));
});

test('router path: go to the router function (fixture 28)', async () => {
  const root = join(FIXTURES, '28_router_function_path');
  const p = await openProject(root);
  const f = join(root, 'streaming', 'celery.py');
  const src = read(f)!;
  const d = definition(p, f, src, posOf(src, "'streaming.routers.route_task'", 12), read);
  assert.equal(d.length, 1);
  assert.equal(d[0].file, join(root, 'streaming', 'routers.py'));
  assert.match(read(d[0].file)!.split('\n')[d[0].range.start.line], /def route_task/);
});

test('references and rename of a queue reach the Procfile; invalid names are refused', async () => {
  const { p, path, text } = await inlineProject(DJANGO);
  const f = path('proj/settings.py');
  const src = text('proj/settings.py');
  const at = posOf(src, "Queue('fast'", 7);
  assert.deepEqual(prepareRename(p, f, src, at)?.placeholder, 'fast');
  const refs = references(p, f, src, at, read);
  assert.deepEqual(refs.map((r) => r.file.replace(/.*[\\/]/, '')).sort(), ['Procfile', 'settings.py', 'settings.py']);
  const edits = renameQueue(p, f, src, at, 'urgent', read);
  assert.ok(Array.isArray(edits));
  assert.equal(edits.length, 3);
  const proc = edits.find((e) => e.file.endsWith('Procfile'))!;
  assert.equal(text('Procfile').split('\n')[proc.range.start.line].slice(proc.range.start.character, proc.range.end.character), 'fast');
  assert.ok('error' in (renameQueue(p, f, src, at, "a'b", read) as object));
  assert.equal(prepareRename(p, f, src, posOf(src, 'CELERY_TASK_QUEUES', 3)), undefined);
});

test('symbols: queues and routes of a file, workspace search by subsequence', async () => {
  const { p, path, text } = await inlineProject(DJANGO);
  const syms = documentSymbols(p, path('proj/settings.py'), text('proj/settings.py'));
  assert.deepEqual(syms.map((s) => `${s.kind}:${s.name}`), ['queue:fast', 'queue:slow']);
  const proc = documentSymbols(p, path('Procfile'), text('Procfile'));
  assert.deepEqual(proc.map((s) => `${s.kind}:${s.name}:${s.children?.map((c) => c.name).join(',')}`), ['worker:worker:fast,slow']);
  assert.deepEqual(workspaceSymbols(p, 'ptadd').map((s) => s.name), ['proj.tasks.add']);
  assert.ok(fuzzy('fst', 'fast') && !fuzzy('tsf', 'fast'));
});

test('beat_schedule: task names complete, and go to definition jumps to the task', async () => {
  const files = {
    ...DJANGO,
    'proj/settings.py': DJANGO['proj/settings.py'] + "CELERY_BEAT_SCHEDULE = {\n    'nightly': {'task': 'proj.tasks.add', 'schedule': 60.0},\n}\n",
  };
  const { p, path, text } = await inlineProject(files);
  const f = path('proj/settings.py');
  const src = text('proj/settings.py');
  const items = complete(p, f, src, posOf(src, "'task': 'proj.", 9));
  assert.ok(items.some((i) => i.label === 'proj.tasks.add'), JSON.stringify(items.map((i) => i.label)));
  const d = definition(p, f, src, posOf(src, "'proj.tasks.add', 'schedule'", 3), read);
  assert.equal(d[0]?.file, path('proj/tasks.py'));
  assert.equal(d[0]?.range.start.line, 3);
});
