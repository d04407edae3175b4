import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';
import { deadLetterRoute } from '../../../server/src/routing';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-deliv-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const conf = (extra: string, broker = 'amqp://guest@localhost//') => ({
  'app/__init__.py': '',
  'app/celery.py': `from celery import Celery
from kombu import Exchange, Queue
from kombu.common import Broadcast

events = Exchange('events', type='topic')
dlx = Exchange('dlx', type='direct')
app = Celery('app', broker='${broker}')
${extra}
`,
  'app/tasks.py': `from app.celery import app

@app.task
def audit():
    pass

@app.task
def reload_config():
    pass
`,
  'Procfile': 'a: celery -A app worker -Q audit_all,audit_users,celery,retry\nb: celery -A app worker\n',
});

test('two consumed queues bound for one key: duplicate-delivery, with both declarations', async () => {
  const p = await openProject(project(conf(`app.conf.task_queues = [Queue('celery'), Queue('audit_all', events, routing_key='audit.#'), Queue('audit_users', events, routing_key='audit.*')]
app.conf.task_routes = {'app.tasks.audit': {'exchange': 'events', 'routing_key': 'audit.login'}}`)));
  const r = p.route({ task: 'app.tasks.audit' });
  assert.deepEqual(r.deliveredTo, ['audit_all', 'audit_users']);
  const d = computeDiagnostics(p).find((x) => x.code === 'duplicate-delivery');
  assert.ok(d);
  assert.match(d.message, /runs once per consuming worker/);
  assert.equal(d.related?.length, 2);
});

test('Broadcast: copies per worker on RabbitMQ, pub/sub loss on Redis', async () => {
  const q = "app.conf.task_queues = [Queue('celery'), Broadcast('reload')]\napp.conf.task_routes = {'app.tasks.reload_config': {'queue': 'reload'}}";
  const rabbit = computeDiagnostics(await openProject(project(conf(q))));
  assert.ok(rabbit.some((d) => d.code === 'broadcast-copies' && /own copy/.test(d.message)));
  const redis = computeDiagnostics(await openProject(project(conf(q, 'redis://localhost:6379/0'))));
  assert.ok(redis.some((d) => d.code === 'broadcast-redis-pubsub' && /lost/.test(d.message)));
  assert.ok(!redis.some((d) => d.code === 'broadcast-copies'));
});

test('dead letters: traced through the dead-letter exchange; an undeclared DLX is reported', async () => {
  const good = await openProject(project(conf(`app.conf.task_queues = [Queue('celery'),
    Queue('work', Exchange('work'), routing_key='work', queue_arguments={'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'retry', 'x-message-ttl': 60000}),
    Queue('retry', dlx, routing_key='retry')]`)));
  const dl = deadLetterRoute(good.apps[0].config, 'work', 'work');
  assert.deepEqual(dl?.deliveredTo, ['retry']);
  assert.equal(dl?.ttlMs, 60000);
  assert.ok(!computeDiagnostics(good).some((d) => d.code === 'dead-letter-nowhere'));
  const bad = await openProject(project(conf(`app.conf.task_queues = [Queue('celery'),
    Queue('work', Exchange('work'), routing_key='work', queue_arguments={'x-dead-letter-exchange': 'nowhere'})]`)));
  const d = computeDiagnostics(bad).find((x) => x.code === 'dead-letter-nowhere');
  assert.ok(d);
  assert.match(d.message, /'nowhere' is not declared/);
});

test('the trace says where a rejected or expired message goes next', async () => {
  const p = await openProject(project(conf(`app.conf.task_queues = [Queue('celery'),
    Queue('work', Exchange('work'), routing_key='work', queue_arguments={'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'retry', 'x-message-ttl': 60000}),
    Queue('retry', dlx, routing_key='retry')]
app.conf.task_routes = {'app.tasks.audit': {'queue': 'work'}}`)));
  const r = p.route({ task: 'app.tasks.audit' });
  assert.deepEqual(r.deliveredTo, ['work']);
  assert.ok(r.steps.some((s) => /x-message-ttl 60000 ms, 'work' dead-letters it to exchange 'dlx' with key 'retry' → lands in 'retry'/.test(s)), r.steps.join('\n'));
});
