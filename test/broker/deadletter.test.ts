// The broker decides these: dead-lettering (a real reject, a real TTL expiry) and duplicate copies.
// The engine's predictions are checked against what RabbitMQ does with the topology the config declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import * as amqp from 'amqplib';
import { need, withVhost, sleep } from './helpers';
import { openProject } from '../../server/src/service/project';
import { topology } from '../../server/src/service/topology';
import { planFromTopology, declarePlan, moveBack } from '../../server/src/broker';
import { deadLetterRoute } from '../../server/src/routing';

function project(celery: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-dl-'));
  const files: Record<string, string> = {
    'app/__init__.py': '',
    'app/celery.py': `from celery import Celery\nfrom kombu import Exchange, Queue\n\napp = Celery('app')\n${celery}\n`,
    'app/tasks.py': 'from app.celery import app\n\n@app.task\ndef audit():\n    pass\n',
    'Procfile': 'w: celery -A app worker\n',
  };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const DL = `app.conf.task_queues = [
    Queue('celery'),
    Queue('work', Exchange('work'), routing_key='work', queue_arguments={'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'retry'}),
    Queue('brief', Exchange('brief'), routing_key='brief', queue_arguments={'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'retry', 'x-message-ttl': 200}),
    Queue('retry', Exchange('dlx'), routing_key='retry'),
]`;

async function count(ch: amqp.Channel, q: string): Promise<number> {
  return (await ch.checkQueue(q)).messageCount;
}

test('dead-lettering: a rejected message and an expired one land where the engine says', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  const p = await openProject(project(DL));
  const config = p.apps[0].config;
  const predicted = deadLetterRoute(config, 'work', 'work');
  assert.deepEqual(predicted?.deliveredTo, ['retry']);
  assert.deepEqual(deadLetterRoute(config, 'brief', 'brief')?.deliveredTo, ['retry']);
  await withVhost(async (url) => {
    const res = await declarePlan(url, planFromTopology(topology(p)));
    assert.ok(res.ok, JSON.stringify(res.actions.filter((a) => a.status === 'failed')));
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      ch.publish('work', 'work', Buffer.from('{}'));
      await sleep(200);
      const m = await ch.get('work', { noAck: false });
      assert.ok(m, 'message in work');
      ch.reject(m, false); // a real reject, no requeue
      await sleep(300);
      assert.equal(await count(ch, 'work'), 0);
      assert.equal(await count(ch, 'retry'), 1, 'rejected message dead-lettered to retry');
      ch.publish('brief', 'brief', Buffer.from('{}'));
      await sleep(900); // x-message-ttl 200 ms: a real expiry
      assert.equal(await count(ch, 'brief'), 0);
      assert.equal(await count(ch, 'retry'), 2, 'expired message dead-lettered to retry');
      const dead = await ch.get('retry', { noAck: true });
      assert.ok(dead && Array.isArray(dead.properties.headers?.['x-death']), 'x-death header recorded');
    } finally {
      await conn.close();
    }
  });
});

test('duplicates: two queues bound for one key each get a copy, as the engine predicts', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  const p = await openProject(project(`events = Exchange('events', type='topic')
app.conf.task_queues = [Queue('celery'), Queue('audit_all', events, routing_key='audit.#'), Queue('audit_users', events, routing_key='audit.*')]
app.conf.task_routes = {'app.tasks.audit': {'exchange': 'events', 'routing_key': 'audit.login'}}`));
  const r = p.route({ task: 'app.tasks.audit' });
  assert.deepEqual(r.deliveredTo, ['audit_all', 'audit_users']);
  await withVhost(async (url) => {
    assert.ok((await declarePlan(url, planFromTopology(topology(p)))).ok);
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      ch.publish(r.exchange!, r.routingKey!, Buffer.from('{}'));
      await sleep(300);
      for (const q of ['audit_all', 'audit_users']) assert.equal(await count(ch, q), 1, `${q} has its copy`);
      assert.equal(await count(ch, 'celery'), 0);
    } finally {
      await conn.close();
    }
  });
});

test('move messages back: dead-lettered messages return to their origin, none lost, none duplicated', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  await withVhost(async (url) => {
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      await ch.assertExchange('dlx', 'direct');
      await ch.assertQueue('dlq');
      await ch.bindQueue('dlq', 'dlx', 'dead');
      await ch.assertExchange('orders', 'direct');
      await ch.assertQueue('orders.work', { arguments: { 'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'dead' } });
      await ch.bindQueue('orders.work', 'orders', 'order.created');
      for (let i = 0; i < 3; i++) ch.publish('orders', 'order.created', Buffer.from(JSON.stringify({ n: i })));
      ch.sendToQueue('dlq', Buffer.from('{"stray":true}')); // no x-death: must stay
      await sleep(200);
      for (let i = 0; i < 3; i++) { const m = await ch.get('orders.work', { noAck: false }); assert.ok(m); ch.reject(m, false); }
      await sleep(300);
      assert.equal(await count(ch, 'dlq'), 4);
      const res = await moveBack(url, 'dlq');
      assert.equal(res.moved, 3);
      assert.equal(res.skipped, 1);
      await sleep(300);
      assert.equal(await count(ch, 'orders.work'), 3, 'all three back in the original queue');
      assert.equal(await count(ch, 'dlq'), 1, 'the stray message stays');
      const bodies: number[] = [];
      for (let i = 0; i < 3; i++) { const m = await ch.get('orders.work', { noAck: true }); if (m) bodies.push(JSON.parse(m.content.toString()).n); }
      assert.deepEqual(bodies.sort(), [0, 1, 2]);
    } finally {
      await conn.close();
    }
  });
});
