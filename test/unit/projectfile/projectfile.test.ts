import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';
import { summary } from '../../../server/src/service/trace';

const project = (files: Record<string, string>): string => writeProject(files, 'cr-pf-');

const APP = {
  'shop/__init__.py': '',
  'shop/celery.py': `import os
from celery import Celery
from kombu import Queue

app = Celery('shop')
app.conf.task_queues = [Queue('default'), Queue('emails'), Queue(os.environ.get('REPORTS_QUEUE', 'reports'))]
app.conf.task_default_queue = 'default'
app.conf.task_routes = {
    'shop.tasks.send_mail': {'queue': 'emails'},
    'shop.tasks.nightly': {'queue': os.environ.get('NIGHTLY_QUEUE')},
}
`,
  'shop/tasks.py': `from shop.celery import app

@app.task
def send_mail(to):
    return to

@app.task
def nightly():
    return 1
`,
  'Procfile': 'web: gunicorn shop.wsgi\nworker: celery -A shop worker -Q default\n',
};

test('env: a value from the project file resolves a queue that was Unknown', async () => {
  const bare = await openProject(project(APP));
  const before = bare.route({ task: 'shop.tasks.nightly' });
  assert.ok(before.unknowns.some((u) => /NIGHTLY_QUEUE/.test(u)), `expected an Unknown for NIGHTLY_QUEUE, got ${JSON.stringify(before.unknowns)}`);
  const dir = project({ ...APP, 'celery-routing.json': '{ "env": { "NIGHTLY_QUEUE": "reports", }, // trailing comma and comment are fine\n}' });
  const p = await openProject(dir);
  const r = p.route({ task: 'shop.tasks.nightly' });
  assert.equal(r.queue, 'reports');
  assert.deepEqual(r.deliveredTo, ['reports']);
  assert.ok(!r.unknowns.some((u) => /NIGHTLY_QUEUE/.test(u)));
});

test('workers: an external worker makes a queue reachable, and shows where it runs', async () => {
  const without = await openProject(project(APP));
  assert.ok(computeDiagnostics(without).some((d) => d.code === 'unreachable-queue' && d.message.includes("'emails'")));
  const dir = project({ ...APP, 'celery-routing.json': JSON.stringify({ workers: [{ name: 'mailer', queues: ['emails'], runsOn: 'k8s deployment mailer (ops repo)' }] }) });
  const p = await openProject(dir);
  const r = p.route({ task: 'shop.tasks.send_mail' });
  assert.deepEqual(r.consumers.map((c) => c.worker.name), ['mailer']);
  assert.equal(r.consumers[0].worker.runsOn, 'k8s deployment mailer (ops repo)');
  assert.equal(r.consumers[0].worker.loc.file, join(dir, 'celery-routing.json'));
  assert.ok(!computeDiagnostics(p).some((d) => d.code === 'unreachable-queue' && d.message.includes("'emails'")));
});

test('workers: a command line in the project file is parsed like the ones in files', async () => {
  const dir = project({ ...APP, 'celery-routing.json': JSON.stringify({ workers: [{ name: 'all-but-reports', command: 'celery -A shop worker -Q emails,reports -X reports' }] }) });
  const p = await openProject(dir);
  const w = p.workers.find((x) => x.name === 'all-but-reports');
  assert.deepEqual(w?.queues, ['emails', 'reports']);
  assert.deepEqual(w?.excludeQueues, ['reports']);
});

test('profiles: switching profile changes the code lens text', async () => {
  const pf = JSON.stringify({ profiles: { production: { workers: [{ name: 'prod-mail', queues: ['emails'] }] }, staging: { env: { NIGHTLY_QUEUE: 'emails' } } } });
  const dir = project({ ...APP, 'celery-routing.json': pf });
  const prod = await openProject(dir, { profile: 'production' });
  const staging = await openProject(dir, { profile: 'staging' });
  const lensProd = summary(prod.route({ task: 'shop.tasks.send_mail' }), dir);
  const lensStaging = summary(staging.route({ task: 'shop.tasks.send_mail' }), dir);
  assert.match(lensProd, /consumed by prod-mail/);
  assert.match(lensStaging, /no known worker consumes 'emails'/);
  assert.equal(staging.route({ task: 'shop.tasks.nightly' }).queue, 'emails');
  const unknownProfile = await openProject(dir, { profile: 'nope' });
  assert.ok(unknownProfile.projectFile?.errors.some((e) => /profile 'nope' is not defined/.test(e.message)));
});

test('diagnostics: severity off removes a diagnostic; a per-path override changes its severity', async () => {
  const base = await openProject(project(APP));
  assert.ok(computeDiagnostics(base).some((d) => d.code === 'unreachable-queue'));
  const off = await openProject(project({ ...APP, 'celery-routing.json': JSON.stringify({ diagnostics: { severity: { 'unreachable-queue': 'off' } } }) }));
  assert.ok(!computeDiagnostics(off).some((d) => d.code === 'unreachable-queue'));
  const over = await openProject(project({ ...APP, 'celery-routing.json': JSON.stringify({ diagnostics: { overrides: [{ files: ['shop/tasks.py'], severity: { 'unreachable-queue': 'error' } }] } }) }));
  const ds = computeDiagnostics(over).filter((d) => d.code === 'unreachable-queue');
  assert.ok(ds.length > 0);
  assert.ok(ds.every((d) => (d.loc.file.endsWith('tasks.py') ? d.severity === 'error' : d.severity === 'warning')));
});

test('suppressions: an inline ignore hides its diagnostic, an unused one is reported', async () => {
  const tasks = APP['shop/tasks.py'].replace('def send_mail(to):', 'def send_mail(to):  # celery-routing: ignore[unreachable-queue]')
    .replace('def nightly():', '# celery-routing: ignore[send-raises]\ndef nightly():');
  const p = await openProject(project({ ...APP, 'shop/tasks.py': tasks }));
  const ds = computeDiagnostics(p);
  assert.ok(!ds.some((d) => d.code === 'unreachable-queue' && d.loc.file.endsWith('tasks.py') && d.loc.range.start.line === 3));
  const unused = ds.filter((d) => d.code === 'unused-suppression');
  assert.equal(unused.length, 1);
  assert.match(unused[0].message, /send-raises/);
});

test('a malformed project file gives positioned errors and the rest still works', async () => {
  const dir = project({ ...APP, 'celery-routing.json': '{\n  "env": { "NIGHTLY_QUEUE": 42 },\n  "workerz": [],\n  "workers": [{ "name": "m", "queues": ["emails"] }]\n' });
  const p = await openProject(dir);
  const errs = p.projectFile!.errors;
  assert.ok(errs.some((e) => /'env.NIGHTLY_QUEUE' must be a string/.test(e.message) && e.loc.range.start.line === 1), JSON.stringify(errs));
  assert.ok(errs.some((e) => /unknown key 'workerz'/.test(e.message) && e.loc.range.start.line === 2));
  assert.ok(errs.some((e) => /CloseBraceExpected|EndOfFileExpected|Expected/.test(e.message)));
  assert.deepEqual(p.route({ task: 'shop.tasks.send_mail' }).consumers.map((c) => c.worker.name), ['m']);
  assert.ok(computeDiagnostics(p).some((d) => d.code === 'project-file' && d.severity === 'error'));
});

test('pyproject.toml [tool.celery-routing] is read the same way', async () => {
  const dir = project({ ...APP, 'pyproject.toml': '[project]\nname = "shop"\n\n[tool.celery-routing]\ntransport = "redis"\n\n[tool.celery-routing.env]\nNIGHTLY_QUEUE = "emails"\n' });
  const p = await openProject(dir);
  assert.equal(p.projectFile?.path, join(dir, 'pyproject.toml'));
  assert.equal(p.apps[0].config.transport, 'redis');
  assert.equal(p.route({ task: 'shop.tasks.nightly' }).queue, 'emails');
  const bad = await openProject(project({ ...APP, 'pyproject.toml': '[tool.celery-routing]\ntransport = "carrier-pigeon"\n' }));
  assert.ok(bad.projectFile?.errors.some((e) => /transport' must be one of/.test(e.message) && e.loc.range.start.line === 1));
});

test('taskDecorators and exclude', async () => {
  const files = {
    ...APP,
    'shop/decorators.py': 'from celery import shared_task\n\ndef tracked_task(*a, **k):\n    return shared_task(*a, **k)\n',
    'shop/jobs.py': 'from shop.decorators import tracked_task\n\n@tracked_task(queue="emails")\ndef digest():\n    pass\n',
    'legacy/old_tasks.py': 'from celery import shared_task\n\n@shared_task(queue="legacy")\ndef old():\n    pass\n',
  };
  const plain = await openProject(project(files));
  assert.ok(!plain.tasks.some((t) => t.name === 'shop.jobs.digest'));
  assert.ok(plain.tasks.some((t) => t.name === 'legacy.old_tasks.old'));
  const p = await openProject(project({ ...files, 'celery-routing.json': JSON.stringify({ taskDecorators: ['tracked_task'], exclude: ['legacy/**'] }) }));
  assert.equal(p.route({ task: 'shop.jobs.digest' }).queue, 'emails');
  assert.ok(!p.tasks.some((t) => t.name === 'legacy.old_tasks.old'));
});

test('editing applies at once: a project file typed in the editor, then deleted', async () => {
  const dir = project(APP);
  const p = await openProject(dir);
  assert.ok(p.route({ task: 'shop.tasks.nightly' }).unknowns.some((u) => /NIGHTLY_QUEUE/.test(u)));
  const file = join(dir, 'celery-routing.json');
  assert.ok(p.isConfigFile(file), 'a new celery-routing.json at the root is tracked');
  p.updateFile(file, '{ "env": { "NIGHTLY_QUEUE": "emails" } }');
  assert.equal(p.route({ task: 'shop.tasks.nightly' }).queue, 'emails');
  p.updateFile(file, '{ "env": { "NIGHTLY_QUEUE": "reports" } }');
  assert.equal(p.route({ task: 'shop.tasks.nightly' }).queue, 'reports');
  p.removeFile(file);
  assert.equal(p.projectFile, undefined);
});

test('externalApp: an app made by a package reads the Django settings the project file names', async () => {
  // The blueapps pattern: `Celery('proj')` + `config_from_object('django.conf:settings')` inside a pip package.
  const files = {
    'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n",
    'settings.py': "from config.default import *\n",
    'config/__init__.py': 'from vendorapps.core.celery import celery_app\n',
    'config/default.py': "from kombu import Queue\nCELERY_DEFAULT_QUEUE = 'default'\nCELERY_QUEUES = [Queue('default'), Queue('export')]\nCELERY_ROUTES = {'logs.tasks.export': {'queue': 'export'}}\n",
    'logs/__init__.py': '',
    'logs/tasks.py': "from celery import shared_task, current_app\n\n@shared_task\ndef export():\n    pass\n\n@current_app.task\ndef other():\n    pass\n",
  };
  const without = await openProject(project(files));
  assert.equal(without.route({ task: 'logs.tasks.export' }).queue, 'celery');
  assert.match(without.route({ task: 'logs.tasks.export' }).unknowns.join('\n'), /no Celery app was found.*externalApp/);

  const p = await openProject(project({ ...files, 'celery-routing.json': '{\n  "externalApp": { "config": "django.conf:settings" }\n}\n' }));
  assert.deepEqual(p.projectFile!.errors, []);
  assert.equal(p.apps[0].id, 'externalApp:app');
  assert.equal(p.apps[0].fact.loc.range.start.line, 1);
  const exp = p.route({ task: 'logs.tasks.export' });
  assert.equal(exp.queue, 'export');
  assert.deepEqual(exp.unknowns, []);
  assert.equal(p.route({ task: 'logs.tasks.other' }).queue, 'default');

  // With namespace CELERY the old names are not read (Celery looks for CELERY_TASK_ROUTES): the default queue.
  const ns = await openProject(project({ ...files, 'celery-routing.json': '{ "externalApp": { "config": "django.conf:settings", "namespace": "CELERY", "djangoSettingsModule": "config.default" } }' }));
  assert.equal(ns.route({ task: 'logs.tasks.export' }).queue, 'celery');
  const bad = await openProject(project({ ...files, 'celery-routing.json': '{ "externalApp": { "namespace": "CELERY" } }' }));
  assert.ok(bad.projectFile!.errors.some((e) => /config/.test(e.message)), JSON.stringify(bad.projectFile!.errors));
});
