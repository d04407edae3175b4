// Module names (and so automatic task names) the way Python imports them with the checkout on sys.path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { moduleNameOf, forgetPackages } from '../../../server/src/model/modules';

test('a checkout folder that is not an identifier is never a package, even with an __init__.py', async () => {
  const parent = writeProject({}, 'cr-names-');
  const root = join(parent, 'bk-sops');
  const files: Record<string, string> = {
    '__init__.py': '',
    'gcloud/__init__.py': '',
    'gcloud/tasks.py': "from celery import current_app\n\n@current_app.task\ndef sweep():\n    pass\n",
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.conf.task_routes = {'gcloud.tasks.sweep': {'queue': 'sweeper'}}\n",
  };
  for (const [p, text] of Object.entries(files)) { mkdirSync(join(root, p, '..'), { recursive: true }); writeFileSync(join(root, p), text); }
  forgetPackages();
  assert.equal(moduleNameOf(join(root, 'gcloud/tasks.py'), root), 'gcloud.tasks');
  const p = await openProject(root);
  assert.deepEqual(p.tasks.map((t) => t.name), ['gcloud.tasks.sweep']);
  // @current_app.task belongs to the project's app: its task_routes apply
  assert.equal(p.route({ task: 'gcloud.tasks.sweep' })!.queue, 'sweeper');
});

test('an identifier folder with an __init__.py stays a package part', () => {
  const parent = writeProject({ 'shop/__init__.py': '', 'shop/orders/__init__.py': '', 'shop/orders/tasks.py': '' }, 'cr-names-');
  forgetPackages();
  assert.equal(moduleNameOf(join(parent, 'shop/orders/tasks.py'), join(parent, 'shop')), 'shop.orders.tasks');
  assert.equal(moduleNameOf(join(parent, 'shop/orders/données.py'), join(parent, 'shop')), 'shop.orders.données');
});

test('an app class whose gen_task_name cannot be followed: Celery\'s name, and the route says why', async () => {
  const p = await openProject(writeProject({
    'hub/__init__.py': '',
    'hub/celery.py': "import hashlib\nfrom celery import Celery\n\nclass Hub(Celery):\n    def gen_task_name(self, name, module):\n        return hashlib.md5(name.encode()).hexdigest()\n\napp = Hub('hub')\n\n@app.task\ndef ping():\n    pass\n",
  }, 'cr-names-'));
  assert.deepEqual(p.tasks.map((t) => t.name), ['hub.celery.ping']);
  assert.match(p.route({ task: 'hub.celery.ping' }).unknowns.join('\n'), /the task's name: Hub\.gen_task_name \(.*celery\.py:5\) names tasks in a way that cannot be followed/);
});

test('a folder the project puts on sys.path names the modules below it (bk-monitor\'s packages/)', async () => {
  const files = (line: string): Record<string, string> => ({
    'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n",
    'settings.py': `import os\nimport sys\n${line}\nCELERY_TASK_ROUTES = {'shop.tasks.refund': {'queue': 'refunds'}}\n`,
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n",
    'packages/__init__.py': '',
    'packages/shop/__init__.py': '',
    'packages/shop/tasks.py': 'from celery import shared_task\n\n@shared_task\ndef refund():\n    pass\n',
  });
  for (const line of ["sys.path.append(os.path.join(os.getcwd(), 'packages'))", "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'packages'))"]) {
    const p = await openProject(writeProject(files(line), 'cr-names-'));
    assert.deepEqual(p.tasks.map((t) => t.name), ['shop.tasks.refund'], line);
    assert.equal(p.route({ task: 'shop.tasks.refund' }).queue, 'refunds');
  }
  // a computed folder is left alone: the file keeps its package name
  const p = await openProject(writeProject(files("sys.path.append(os.environ['EXTRA'])"), 'cr-names-'));
  assert.deepEqual(p.tasks.map((t) => t.name), ['packages.shop.tasks.refund']);
});
