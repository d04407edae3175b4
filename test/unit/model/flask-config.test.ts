// Flask configuration objects handed to Celery (superdesk-core's pattern, and the Flask recipe), the evaluation order
// of an import cycle, and the names of tasks in a nested Django project folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { analysis } from '../../../server/src/service/analysis';

const SETTINGS = [
  'import os',
  'from kombu import Queue, Exchange',
  '',
  'def celery_queue(name):',
  '    return os.environ.get("PREFIX", "") + name',
  '',
  'CELERY_TASK_DEFAULT_QUEUE = celery_queue("default")',
  'CELERY_TASK_QUEUES = (Queue("default"), Queue("expiry", Exchange("expiry", type="topic"), routing_key="expiry.#"))',
  'CELERY_TASK_ROUTES = {"news.tasks.gc": {"queue": "expiry", "routing_key": "expiry.gc"}}',
  'BROKER_URL = os.environ.get("BROKER", "redis://")',
  'CELERY_BROKER_URL = BROKER_URL',
  'task_default_queue = "lowercase-is-not-copied"',
].join('\n');

const factory = (body: string[]) => ({
  'news/__init__.py': '',
  'news/default_settings.py': SETTINGS,
  'news/celery_app.py': 'from celery import Celery\n\ncelery = Celery(__name__)\n\n\ndef init_celery(app):\n    celery.config_from_object(app.config, namespace="CELERY")\n',
  'news/factory.py': ['import flask', 'import eve', 'from news.celery_app import init_celery', '', '', 'class NewsEve(eve.Eve):', '    pass', '', '', ...body].join('\n'),
  'news/tasks.py': 'from news.celery_app import celery\n\n\n@celery.task\ndef gc():\n    pass\n\n\n@celery.task\ndef other():\n    pass\n',
});

const GET_APP = [
  'def get_app(config=None, config_object=None):',
  '    app_config = flask.Config(".")',
  '    app_config.from_object("news.default_settings")',
  '    if config_object:',
  '        app_config.from_object(config_object)',
  '    try:',
  '        app_config.update(config or {})',
  '    except TypeError:',
  '        app_config.from_object(config)',
  '    app = NewsEve(settings=app_config)',
  '    init_celery(app)',
  '    return app',
];

test('an Eve app built in a factory from a flask.Config: its settings reach Celery through init_celery(app)', async () => {
  const p = await openProject(writeProject({
    ...factory(GET_APP),
    'news/manage.py': 'from news.factory import get_app\n\napp = get_app()\n',
    // a test's configuration is not the one the worker runs
    'tests/test_app.py': 'from news.factory import get_app\n\napp = get_app({"CELERY_TASK_DEFAULT_QUEUE": "test-only"})\n',
  }, 'cr-flask-'));
  const gc = p.route({ task: 'news.tasks.gc' });
  assert.equal(gc.queue, 'expiry');
  assert.equal(gc.routingKey, 'expiry.gc');
  assert.deepEqual(gc.unknowns, []);
  const other = p.route({ task: 'news.tasks.other' });
  assert.equal(other.queue, 'default', 'the helper celery_queue("default") is evaluated; the lowercase name is not copied by from_object');
  // the queues, with where they are written
  assert.deepEqual(analysis(p).queues?.list.map((q) => q.display).sort(), ['default', 'expiry']);
  // BROKER_URL is ignored under the namespace, but CELERY_BROKER_URL holds the same value: a note, not a warning
  const ignored = analysis(p).diagnostics().filter((d) => d.code === 'old-setting-ignored');
  assert.deepEqual(ignored.map((d) => d.severity), ['information']);
  assert.match(ignored[0].message, /CELERY_BROKER_URL .* holds the same value/);
});

test('a caller that passes its own configuration wins; callers that differ leave it an Unknown, said', async () => {
  const overriding = await openProject(writeProject({
    ...factory(GET_APP),
    'news/worker.py': 'from news.factory import get_app\n\napp = get_app({"CELERY_TASK_DEFAULT_QUEUE": "worker-default"})\n',
  }, 'cr-flask-'));
  assert.equal(overriding.route({ task: 'news.tasks.other' }).queue, 'worker-default');
  const two = await openProject(writeProject({
    ...factory(GET_APP),
    'news/worker.py': 'from news.factory import get_app\n\napp = get_app({"CELERY_TASK_DEFAULT_QUEUE": "a"})\n',
    'news/web.py': 'from news.factory import get_app\n\napp = get_app({"CELERY_TASK_DEFAULT_QUEUE": "b"})\n',
  }, 'cr-flask-'));
  const r = two.route({ task: 'news.tasks.other' });
  assert.equal(r.queue, 'default', 'the settings module is read; the callers\' override is not known');
  assert.match(r.unknowns.join('\n'), /update\(or of an unknown value \(parameter 'config' of get_app\(\) differs between its callers/);
});

test('the Flask recipe at module level: app.config built by from_object, a key set, from_pyfile said', async () => {
  const p = await openProject(writeProject({
    'web/__init__.py': '',
    'web/config.py': 'CELERY_DEFAULT_QUEUE = "web"\nCELERY_ROUTES = {"web.app.slow": {"queue": "slow"}}\n',
    'web/app.py': [
      'from flask import Flask',
      'from celery import Celery',
      '',
      'app = Flask(__name__)',
      'app.config.from_object("web.config")',
      'app.config["CELERY_ROUTES"] = {"web.app.slow": {"queue": "slower"}}',
      'celery = Celery(app.import_name)',
      'celery.conf.update(app.config)',
      '',
      '@celery.task',
      'def slow():',
      '    pass',
      '',
      '@celery.task',
      'def quick():',
      '    pass',
    ].join('\n'),
  }, 'cr-flask-'));
  assert.equal(p.route({ task: 'web.app.slow' }).queue, 'slower');
  assert.equal(p.route({ task: 'web.app.quick' }).queue, 'web');
  const withFile = await openProject(writeProject({
    'web/__init__.py': '',
    'web/app.py': 'from flask import Flask\nfrom celery import Celery\n\napp = Flask(__name__)\napp.config.from_pyfile("settings.cfg")\ncelery = Celery(__name__)\ncelery.conf.update(app.config)\n\n@celery.task\ndef job():\n    pass\n',
  }, 'cr-flask-'));
  assert.match(withFile.route({ task: 'web.app.job' }).unknowns.join('\n'), /from_pyfile\(\.\.\.\) at web\.app:5 reads its settings at run time/);
});

test('an import cycle entered where Python cannot enter it: the task module is evaluated again, its tasks found', async () => {
  // alphabetical order reaches news.celery_app through a_views → registry → tasks → celery_app (still running,
  // `celery` not yet bound); Python imports celery_app first, which works
  const p = await openProject(writeProject({
    'news/__init__.py': '',
    'news/a_views.py': 'import news.celery_app\n',
    'news/celery_app.py': 'from celery import Celery\nimport news.registry\n\ncelery = Celery("news")\ncelery.conf.task_default_queue = "main"\n',
    'news/registry.py': 'import news.tasks\n',
    'news/tasks.py': 'from news.celery_app import celery\n\n\n@celery.task(queue="mail")\ndef send_mail():\n    pass\n',
  }, 'cr-cycle-'));
  const t = p.task('news.tasks.send_mail');
  assert.ok(t, 'the task is found');
  assert.equal(p.route({ task: 'news.tasks.send_mail' }).queue, 'mail');
});

test('a declared queue no send is known to reach: the note names the sends whose queue cannot be read', async () => {
  const p = await openProject(writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': [
      'from celery import Celery',
      'from kombu import Queue',
      'app = Celery("proj")',
      'app.conf.task_queues = [Queue("celery"), Queue("priority")]',
      '',
      'def pick(p):',
      '    if p:',
      '        return "priority"',
      '',
      '@app.task',
      'def work():',
      '    pass',
      '',
      'def run(p):',
      '    work.apply_async(queue=pick(p))',
    ].join('\n'),
  }, 'cr-unused-'));
  const note = analysis(p).diagnostics().find((d) => d.code === 'unused-queue');
  assert.ok(note);
  assert.match(note.message, /no task, route or call is known to send to it \(the queue of 1 send cannot be read: proj\/celery\.py:15\)/);
});

test('a Django project in a folder that is itself a package: its tasks are named as the worker imports them', async () => {
  // bk-monitor's bklog/: manage.py beside __init__.py; the worker runs from bklog/, so Celery's names start below it
  const p = await openProject(writeProject({
    'backend/__init__.py': '',
    'backend/manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "conf.settings")\n',
    'backend/conf/__init__.py': '',
    'backend/conf/celery.py': 'from celery import Celery\napp = Celery("backend")\napp.conf.task_routes = {"jobs.tasks.export": {"queue": "export"}}\n',
    'backend/jobs/__init__.py': '',
    'backend/jobs/tasks.py': 'from conf.celery import app\n\n@app.task\ndef export():\n    pass\n',
  }, 'cr-nested-django-'));
  const t = p.tasks.find((x) => x.func === 'export');
  assert.equal(t?.name, 'jobs.tasks.export');
  assert.equal(p.route({ task: 'jobs.tasks.export' }).queue, 'export', 'the route written with Celery\'s name applies');
});
