// Decorators that make tasks of the current app: what projects whose app is made elsewhere write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

test('Celery 4 celery.task.task / periodic_task are tasks of the project app, with their routing options', async () => {
  const p = await openProject(writeProject({
    'requirements.txt': 'celery==4.4.7\n',
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\napp.conf.task_default_queue = 'default'\napp.conf.task_routes = {'logs.tasks.export': {'queue': 'export'}}\n",
    'logs/__init__.py': '',
    'logs/tasks.py': [
      'from celery.task import periodic_task, task',
      'from celery.schedules import crontab',
      '',
      '@task(ignore_result=True)',
      'def export():',
      '    pass',
      '',
      "@periodic_task(run_every=crontab(minute='*/5'), queue='cron')",
      'def sweep():',
      '    pass',
      '',
      '@task',
      'def plain():',
      '    pass',
      '',
    ].join('\n'),
  }, 'cr-decorators-'));
  const byName = new Map(p.tasks.map((t) => [t.name, t]));
  assert.deepEqual([...byName.keys()].sort(), ['logs.tasks.export', 'logs.tasks.plain', 'logs.tasks.sweep']);
  assert.match(byName.get('logs.tasks.sweep')!.decorator, /periodic_task \(celery\.task, Celery < 5\)/);
  assert.equal(p.route({ task: 'logs.tasks.export' })!.queue, 'export');
  assert.equal(p.route({ task: 'logs.tasks.sweep' })!.queue, 'cron');
  assert.equal(p.route({ task: 'logs.tasks.plain' })!.queue, 'default');
});

test('a decorator named current_app (not current_app.task) is no task', async () => {
  const p = await openProject(writeProject({
    'proj/__init__.py': '',
    'proj/tasks.py': "from celery import Celery, current_app\napp = Celery('proj')\n\n@current_app.task\ndef real():\n    pass\n\n@current_app\ndef not_a_task():\n    pass\n",
  }, 'cr-decorators-'));
  assert.deepEqual(p.tasks.map((t) => t.name), ['proj.tasks.real']);
});

test('a task decorator bound to a name at the top of the module (kitsune\'s shared_task_with_retry) makes tasks', async () => {
  const p = await openProject(writeProject({
    'shop/__init__.py': '',
    'shop/celery.py': "from celery import Celery\napp = Celery('shop')\napp.conf.task_routes = {'shop.tasks.sync': {'queue': 'sync'}}\n",
    'shop/tasks.py': [
      'from celery import shared_task',
      '',
      'shared_task_with_retry = shared_task(acks_late=True, queue="retries", retry_kwargs={"max_retries": 3})',
      'plain = shared_task',
      '',
      '@shared_task_with_retry',
      'def refund(order_id):',
      '    pass',
      '',
      '@shared_task_with_retry',
      'def sync():',
      '    pass',
    ].join('\n'),
  }));
  assert.equal(p.route({ task: 'shop.tasks.refund' }).queue, 'retries', 'the options of the bound call apply');
  assert.equal(p.route({ task: 'shop.tasks.sync' }).queue, 'retries', 'a task attribute beats task_routes');
  assert.deepEqual(p.task('shop.tasks.refund')?.signature?.params.map((x) => x.name), ['order_id']);
});
