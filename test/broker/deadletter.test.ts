// The broker decides these: dead-lettering (a real reject, a real TTL expiry) and duplicate copies.
// The engine's predictions are checked against what RabbitMQ does with the topology the config declares.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import * as amqp from 'amqplib';
import { acquireRabbitShared, need, withVhost, sleep } from './helpers';
import { openProject } from '../../server/src/service/project';
import { topology } from '../../server/src/service/topology';
import { planFromTopology, declarePlan, moveBack } from '../../server/src/broker';
import { deadLetterRoute } from '../../server/src/routing';
import { computeDiagnostics } from '../../server/src/service/diagnostics';
import { spawnSync } from 'node:child_process';

// RabbitMQ must not be restarted under these tests (restart.test.ts): the shared lock keeps it waiting.
let release: (() => void) | undefined;
before(async () => { release = await acquireRabbitShared(); });
after(() => release?.());

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

/** Publish to exchange = routing key = queue `q`, take the message and reject it (no requeue): a real reject. */
async function publishAndReject(ch: amqp.Channel, q: string): Promise<void> {
  ch.publish(q, q, Buffer.from('{}'));
  await sleep(200);
  const m = await ch.get(q, { noAck: false });
  assert.ok(m, `message in ${q}`);
  ch.reject(m, false);
}

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
      await publishAndReject(ch, 'work');
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

test('dead-lettering set by a RabbitMQ policy (definitions file): the engine reads it, RabbitMQ agrees', async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  // the policy of the definitions file, applied to the test's vhost with rabbitmqctl as an operator would
  const policy = { pattern: '^work$', 'apply-to': 'queues', priority: 1, definition: { 'dead-letter-exchange': 'dlx', 'dead-letter-routing-key': 'parked' } };
  const brief = { pattern: '^brief$', 'apply-to': 'queues', priority: 0, definition: { 'dead-letter-exchange': 'dlx', 'dead-letter-routing-key': 'parked', 'message-ttl': 200 } };
  const weaker = { pattern: '^work$', 'apply-to': 'queues', priority: 0, definition: { 'dead-letter-exchange': 'nowhere' } };
  const dir = project(`app.conf.task_queues = [
    Queue('celery'),
    Queue('work', Exchange('work'), routing_key='work'),
    Queue('brief', Exchange('brief'), routing_key='brief', queue_arguments={'x-message-ttl': 60000}),
    Queue('parked', Exchange('dlx'), routing_key='parked'),
]`);
  writeFileSync(join(dir, 'rabbit.json'), JSON.stringify({ policies: [
    { vhost: '/', name: 'dl-work', ...policy },
    { vhost: '/', name: 'dl-weaker', ...weaker },
    { vhost: '/', name: 'dl-brief', ...brief },
  ] }, null, 2));
  writeFileSync(join(dir, 'celery-routing.json'), JSON.stringify({ brokerDefinitions: ['rabbit.json'] }));
  const p = await openProject(dir);
  const config = p.apps[0].config;
  const work = deadLetterRoute(config, 'work', 'work');
  assert.equal(work?.policy?.name, 'dl-work', 'the higher-priority policy applies');
  assert.deepEqual(work?.deliveredTo, ['parked']);
  assert.equal(deadLetterRoute(config, 'brief', 'brief')?.ttlMs, 200, 'the lower of argument and policy TTL');
  assert.match(p.route({ task: 'app.tasks.audit', options: { queue: 'work' } }).steps.join('\n'), /'work' \(policy 'dl-work'\) dead-letters it to exchange 'dlx' with key 'parked' → lands in 'parked'/);
  await withVhost(async (url, vhost) => {
    assert.ok((await declarePlan(url, planFromTopology(topology(p)))).ok);
    for (const [name, pol] of [['dl-work', policy], ['dl-weaker', weaker], ['dl-brief', brief]] as const) {
      const r = spawnSync('rabbitmqctl', ['-q', 'set_policy', '-p', vhost, '--priority', String(pol.priority), '--apply-to', pol['apply-to'], name, pol.pattern, JSON.stringify(pol.definition)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    await sleep(300);
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      await publishAndReject(ch, 'work');
      ch.publish('brief', 'brief', Buffer.from('{}'));
      await sleep(900); // the policy's 200 ms TTL beats the queue's 60 s
      assert.equal(await count(ch, 'work'), 0);
      assert.equal(await count(ch, 'brief'), 0, 'expired after the policy TTL');
      assert.equal(await count(ch, 'parked'), 2, 'the rejected and the expired message, both where the engine said');
    } finally {
      await conn.close();
    }
  });
  const diags = computeDiagnostics(await openProject(dir)).filter((d) => d.code === 'dead-letter-nowhere');
  assert.deepEqual(diags, [], 'the policy DLX routes somewhere: no warning');
});
