// Several apps in one workspace: each worker consumes the queues of the app it runs (-A, or the Django project
// of `manage.py celery worker`), not those of the app that sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { hover } from '../../../server/src/service/hover';

const TWO_APPS = {
  // the web app: a Django project (manage.py, the package __init__ imports the app, Celery's recipe)
  'web/manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_settings')\n",
  'web/site_settings.py': "CELERY_TASK_DEFAULT_QUEUE = 'web'\n",
  'web/config/__init__.py': 'from config.celery import app as celery_app\n',
  'web/config/celery.py': "from celery import Celery\napp = Celery('web')\napp.conf.task_default_queue = 'web'\n\n@app.task\ndef render():\n    pass\n",
  'web/pages/__init__.py': '',
  'web/pages/tasks.py': 'from celery import shared_task\n\n@shared_task\ndef publish():\n    pass\n',
  'web/deploy/supervisord.conf': '[program:web_celery]\ncommand = python /srv/web/manage.py celery worker -l INFO\n',
  // the backend app, started with -A
  'backend/__init__.py': '',
  'backend/celery.py': "from celery import Celery\napp = Celery('backend')\napp.conf.task_default_queue = 'jobs'\n\n@app.task\ndef crunch():\n    pass\n",
  'backend/jobs.py': 'from backend.celery import app\n\n@app.task\ndef nightly():\n    pass\n',
  'Procfile': 'backend: celery -A backend.celery:app worker -l INFO\nbackend_pkg: celery -A backend worker\nnowhere: celery -A backend.tasks worker\n',
};

test('a worker consumes the queues of its own app: -A for one, the Django project for manage.py celery worker', async () => {
  const p = await openProject(writeProject(TWO_APPS, 'cr-worker-app-'));
  const byName = (n: string) => p.workers.find((w) => w.name === n)!;
  assert.equal(p.workerApp(byName('backend'))?.id, 'backend.celery:app');
  assert.equal(p.workerApp(byName('backend_pkg'))?.id, 'backend.celery:app', '-A backend: find_app looks in the package, then its celery module');
  assert.equal(p.workerApp(byName('nowhere')), undefined, 'no such module: not determined');
  const web = p.workers.find((w) => w.djangoManage)!;
  assert.ok(web, 'manage.py celery worker is a worker');
  assert.equal(p.workerApp(web)?.id, 'config.celery:app');
  // crunch → 'jobs': consumed by the backend workers only; render → 'web': by the Django worker only
  const crunch = p.route({ task: 'backend.celery.crunch' })!;
  assert.equal(crunch.queue, 'jobs');
  // ('nowhere' runs no known app: its queues are read from the sending app's, as with one app)
  assert.deepEqual(crunch.consumers.map((c) => c.worker.name).sort(), ['backend', 'backend_pkg', 'nowhere']);
  const render = p.route({ task: 'config.celery.render' })!;
  assert.equal(render.queue, 'web');
  assert.deepEqual(render.consumers.map((c) => c.worker.name).sort(), ['nowhere', web.name]);
  // a shared_task runs in the Django project's process: its app; an @app.task of an imported app: that app
  assert.equal(p.route({ task: 'pages.tasks.publish' })!.queue, 'web');
  assert.equal(p.route({ task: 'backend.jobs.nightly' })!.queue, 'jobs');
  // the worker's hover names its app and its queues
  const h = hover(p, web.loc.file, '[program:web_celery]\ncommand = python /srv/web/manage.py celery worker -l INFO\n', { line: 1, character: 40 });
  assert.match(h?.markdown ?? '', /app `config\.celery:app`/);
  assert.match(h?.markdown ?? '', /consumes: `web`/);
});

test('one app in the workspace: workers are not tied to it (their queues are read from the sending app)', async () => {
  const p = await openProject(writeProject({ 'backend/__init__.py': '', 'backend/celery.py': TWO_APPS['backend/celery.py'], Procfile: 'w: celery -A elsewhere worker\n' }, 'cr-worker-app-'));
  assert.equal(p.workerApp(p.workers[0]), undefined);
  assert.deepEqual(p.route({ task: 'backend.celery.crunch' })!.consumers.map((c) => c.worker.name), ['w']);
});
