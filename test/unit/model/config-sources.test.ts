// Settings sources the engine cannot read are said, never silently dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

const project = (files: Record<string, string>): string => writeProject(files, 'cr-sources-');

test('a config module not in the workspace, a Django settings module not set: Unknown on every route', async () => {
  const p = await openProject(project({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.config_from_object('deploy_only.celeryconfig')\n\n@app.task\ndef ping():\n    pass\n",
    'web/__init__.py': '',
    'web/celery.py': "from celery import Celery\napp = Celery('web')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n\n@app.task\ndef render():\n    pass\n",
  }));
  const ping = p.route({ task: 'proj.celery.ping', app: 'proj.celery:app' })!;
  assert.equal(ping.queue, 'celery');
  assert.match(ping.unknowns.join('\n'), /settings from deploy_only\.celeryconfig: module 'deploy_only\.celeryconfig' is not one module of the workspace/);
  const render = p.route({ task: 'web.celery.render', app: 'web.celery:app' })!;
  assert.match(render.unknowns.join('\n'), /no DJANGO_SETTINGS_MODULE is set in the workspace/);
});

test('a settings module name found twice: the one outside test folders', async () => {
  const p = await openProject(project({
    'portal/__init__.py': '',
    'portal/celery.py': "import os\nfrom celery import Celery\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_config')\napp = Celery('portal')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n\n@app.task\ndef hook():\n    pass\n",
    'development/site_config.py': "CELERY_TASK_DEFAULT_QUEUE = 'default'\n",
    'portal/tests/__init__.py': '',
    'portal/tests/site_config.py': "CELERY_TASK_DEFAULT_QUEUE = 'test-queue'\n",
  }));
  const hook = p.route({ task: 'portal.celery.hook', app: 'portal.celery:app' })!;
  assert.equal(hook.queue, 'default');
  assert.deepEqual(hook.unknowns, []);
});

test('class-based Django settings: a property among the exported members is an Unknown, said', async () => {
  const p = await openProject(project({
    'site/__init__.py': '',
    'site/base.py': [
      'import sys',
      'class Settings:',
      '    @classmethod',
      '    def load_settings(cls, module_name):',
      '        module = sys.modules[module_name]',
      '        for member in dir(cls):',
      '            if member.isupper():',
      '                setattr(module, member, getattr(cls(), member))',
      '',
      'class Prod(Settings):',
      "    CELERY_TASK_DEFAULT_QUEUE = 'web'",
      '    @property',
      '    def CELERY_TASK_ROUTES(self):',
      "        return {'site.tasks.build': {'queue': 'builds'}}",
      '',
      'Prod.load_settings(__name__)',
      '',
    ].join('\n'),
    'site/celery.py': "import os\nfrom celery import Celery\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.base')\napp = Celery('site')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n\n@app.task\ndef build():\n    pass\n",
  }));
  const r = p.route({ task: 'site.celery.build' });
  assert.equal(r.queue, 'web');
  assert.match(r.unknowns.join('\n'), /CELERY_TASK_ROUTES is a property of Prod, computed when load_settings\(\) runs/);
});

test('a classmethod given __name__ that does not call setattr exports nothing', async () => {
  const p = await openProject(project({
    'site/__init__.py': '',
    'site/base.py': "class Prod:\n    CELERY_TASK_DEFAULT_QUEUE = 'web'\n    @classmethod\n    def describe(cls, name):\n        print(name)\n\nProd.describe(__name__)\n",
    'site/celery.py': "import os\nfrom celery import Celery\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.base')\napp = Celery('site')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n\n@app.task\ndef build():\n    pass\n",
  }));
  assert.equal(p.route({ task: 'site.celery.build' }).queue, 'celery');
});

test("configuration from a function's caller (Flask's init_celery(app)): an Unknown on every route, naming the parameter", async () => {
  const p = await openProject(project({
    'news/__init__.py': '',
    'news/celery_app.py': [
      'from celery import Celery',
      'celery = Celery(__name__)',
      '',
      'def init_celery(app):',
      "    celery.config_from_object(app.config, namespace='CELERY')",
      '',
      'def init_extra(app):',
      '    celery.conf.update(app.config)',
      '',
      'def make_app():',
      '    other = Celery("other")',
      "    other.conf.task_default_queue = 'factory'",
      '    return other',
      '',
      '@celery.task',
      'def fetch():',
      '    pass',
      '',
    ].join('\n'),
  }));
  const r = p.route({ task: 'news.celery_app.fetch', app: 'news.celery_app:celery' })!;
  const said = r.unknowns.join('\n');
  // followed to the callers, of which there are none here
  assert.match(said, /settings from news\.celery_app\.init_celery\(\): app\.config \(a Flask configuration\): parameter 'app' of init_celery\(\), set by its callers \(none in the workspace\)/);
  assert.match(said, /news\.celery_app\.init_extra\(\): celery\.conf\.update\(\): app\.config \(a Flask configuration\): parameter 'app' of init_extra\(\), set by its callers/);
  // a factory's configuration is its own app's, not this one's
  assert.equal(r.queue, 'celery');
  assert.doesNotMatch(said, /factory/);
});
