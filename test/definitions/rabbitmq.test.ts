// Against the real RabbitMQ (3.10, 127.0.0.1): definitions exported by rabbitmqctl read back with the live
// drift codes; definitions written by `celery-routing definitions` imported with rabbitmqctl, then real
// Celery publishes and every message lands where the engine said. Each test in its own fresh vhost.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import amqp from 'amqplib';
import { acquireRabbitShared, CI, eventually, need, withVhost } from '../broker/helpers';
import { loadSnapshot } from '../../server/src/broker/snapshot';
import { computeDrift, DriftCode } from '../../server/src/broker/drift';
import { definitionsOf, definitionsSnapshot, readDefinitions } from '../../server/src/broker/definitions';
import { openProject, type Project } from '../../server/src/service/project';
import { computeDiagnostics } from '../../server/src/service/diagnostics';
import { workerTopology } from '../../server/src/service/definitions';
import { expandQueues } from '../../server/src/routing';
import type { RouteOptions } from '../../server/src/routing/types';
import type { RabbitManagementClient } from '../../server/src/broker/rabbitmqManagement';

const FIXTURE = join(__dirname, 'fixture');
const CLI = join(__dirname, '../../server/src/cli/main.ts');
const PYTHON = process.env.CELERY_ORACLE_PYTHON || '/usr/bin/python3';

let release: (() => void) | undefined;
before(async () => { release = await acquireRabbitShared(); });
after(() => release?.());

/** RabbitMQ, rabbitmqctl and Celery: missing → skip (fail with CI=true). */
async function ready(t: TestContext): Promise<boolean> {
  if (!(await need(t, 'rabbitmq'))) return false;
  const problem = spawnSync('rabbitmqctl', ['version'], { encoding: 'utf8' }).status !== 0 ? 'rabbitmqctl is not runnable'
    : spawnSync(PYTHON, ['-c', 'import celery'], { encoding: 'utf8' }).status !== 0 ? `${PYTHON} cannot import celery` : null;
  if (!problem) return true;
  if (CI) throw new Error(`CI=true and ${problem}`);
  t.skip(problem);
  return false;
}

function ctl(...args: string[]): string {
  const r = spawnSync('rabbitmqctl', args, { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `rabbitmqctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A copy of the fixture whose project file points the app at `vhost` and names `defs`. */
function project(vhost: string, defs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-defs-mq-'));
  chmodSync(dir, 0o755); // Debian's rabbitmqctl runs as the rabbitmq user: it must read the files to import
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'celery-routing.json'), JSON.stringify({ env: { BROKER_URL: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}` }, brokerDefinitions: defs }));
  return dir;
}

/** `rabbitmqctl import_definitions` is asynchronous: wait until the vhost holds every queue of the file. */
async function importDefinitions(file: string, mgmt: RabbitManagementClient, vhost: string): Promise<void> {
  ctl('import_definitions', file);
  const want = (JSON.parse(readFileSync(file, 'utf8')).queues as Array<{ name: string }>).map((q) => q.name);
  const have = await eventually(() => mgmt.queues(vhost), (qs) => want.every((n) => qs.some((q) => q.name === n)));
  assert.ok(want.every((n) => have.some((q) => q.name === n)), `import of ${file} did not finish`);
}

interface Landing { index?: number; worker_declare?: string; sent?: boolean; error: string | null; landed?: string[] }

/** Real Celery sends the calls (test/definitions/publish.py); the engine must agree on each. */
function publishAndCompare(p: Project, dir: string, vhost: string, calls: Array<{ task: string; via?: 'send_task'; options?: RouteOptions }>): Landing[] {
  const callsFile = join(dir, 'calls-run.json');
  writeFileSync(callsFile, JSON.stringify(calls));
  const r = spawnSync(PYTHON, [join(__dirname, 'publish.py'), dir, 'proj.celery:app', callsFile, `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`, vhost], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Landing[];
  const sends = out.filter((x) => x.index !== undefined);
  const brokerCode = (e: string | null) => /(\d{3}) ?\)? ?([A-Z_]+ - (?:inequivalent arg '[^']+' for \w+ '[^']+'|no exchange '[^']+'))/.exec(e ?? '')?.slice(1).join(' ') ?? null;
  for (const s of sends) {
    const c = calls[s.index!];
    const e = p.route({ task: c.task, via: c.via, options: c.options });
    const what = `call ${s.index} ${c.task} ${JSON.stringify(c.options ?? {})}\n${e.steps.join('\n')}`;
    assert.deepEqual(e.deliveredTo, s.landed, what);
    assert.equal(e.brokerError ? brokerCode(e.brokerError) : null, brokerCode(s.error), `${what}\ncelery: ${s.error}\nengine: ${e.brokerError}`);
    assert.equal(s.sent, !e.brokerError && !e.error, what);
  }
  return out;
}

test('a topology declared with amqplib, exported by rabbitmqctl, read back: the live drift codes, planted drift found', async (t) => {
  if (!(await ready(t))) return;
  await withVhost(async (url, vhost) => {
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    await ch.assertExchange('default', 'direct', { durable: true });
    await ch.assertExchange('events', 'topic', { durable: true });
    await ch.assertExchange('urgent', 'fanout', { durable: true }); // planted: direct in the config
    await ch.assertExchange('audit.in', 'fanout', { durable: true, internal: true });
    await ch.assertQueue('default', { durable: true }); // planted: no binding to 'default'
    await ch.assertQueue('urgent', { durable: true, arguments: { 'x-max-priority': 5 } }); // planted: 10 in the config
    await ch.assertQueue('audit', { durable: true });
    await ch.bindQueue('urgent', 'urgent', 'urgent');
    await ch.bindQueue('audit', 'audit.in', '');
    await ch.bindExchange('audit.in', 'events', 'order.#');
    // planted: no queue 'orders'
    await c.close();
    const out = mkdtempSync(join(tmpdir(), 'cr-export-'));
    chmodSync(out, 0o777); // written by the rabbitmq user
    const file = join(out, 'export.json');
    ctl('export_definitions', file); // 3.10: every vhost of the node on one line, each item names its vhost
    const d = readDefinitions(file);
    assert.deepEqual(d.errors, []);
    const v = definitionsOf(d, vhost);
    // 3.10 leaves internal exchanges out of the export, but not their bindings
    assert.deepEqual(v.exchanges.map((x) => `${x.name}:${x.type}`).sort(), ['default:direct', 'events:topic', 'urgent:fanout']);
    assert.deepEqual(v.bindings.map((b) => `${b.source}->${b.destinationType}:${b.destination}:${b.routingKey}`).sort(), ['audit.in->queue:audit:', 'events->exchange:audit.in:order.#', 'urgent->queue:urgent:urgent']);
    const text = readFileSync(file, 'utf8');
    const q = v.queues.find((x) => x.name === 'urgent')!;
    assert.match(text.split('\n')[q.loc.range.start.line].slice(q.loc.range.start.character), /^"name":\s*"urgent"/, 'the queue is pointed at by its name');

    // the same drift as the live explorer, on the same vhost
    const dir = project(vhost, [file]);
    const p = await openProject(dir);
    const config = workerTopology(expandQueues(p.appFor()!.config));
    const key = (r: ReturnType<typeof computeDrift>) => r.items.map((i) => `${i.code}:${i.queue ?? i.exchange}${i.argument ? `:${i.argument}` : ''}`).sort();
    const fromFile = key(computeDrift(config, definitionsSnapshot(d, vhost)));
    assert.deepEqual(fromFile, key(computeDrift(config, await loadSnapshot(url))));
    for (const want of [`${DriftCode.ExchangeTypeMismatch}:urgent`, `${DriftCode.QueueArgumentMismatch}:urgent:x-max-priority`, `${DriftCode.MissingBinding}:default`, `${DriftCode.MissingQueue}:orders`, `${DriftCode.UnexpectedQueue}:audit`]) {
      assert.ok(fromFile.includes(want), `${want} not in ${fromFile.join(', ')}`);
    }
    // and in `check`: on the Python lines and on the exported file's lines
    const ds = computeDiagnostics(p);
    const codes = (f: string) => ds.filter((x) => x.loc.file === f).map((x) => x.code);
    assert.equal(codes(file).filter((c) => c === 'definitions-dangling-binding').length, 2, 'both bindings of the internal exchange');
    assert.deepEqual(p.route({ task: 'proj.tasks.place_order' }).deliveredTo, ['orders'], "the worker declares 'orders'; the binding to the internal exchange cannot be imported, so 'audit' gets nothing");
    for (const code of ['exchange-type-mismatch', 'queue-argument-mismatch', 'missing-binding', 'missing-queue']) {
      assert.ok(codes(join(dir, 'proj/celery.py')).includes(code), `${code} on the Python side`);
      assert.ok(codes(file).includes(code), `${code} on the JSON side`);
    }
  });
});

test('definitions written by `celery-routing definitions`, imported with rabbitmqctl: real Celery lands where the engine said', async (t) => {
  if (!(await ready(t))) return;
  await withVhost(async (_url, vhost, mgmt) => {
    const dir = project(vhost, ['implied.json', 'deployed.json']);
    const out = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'definitions', dir], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    writeFileSync(join(dir, 'implied.json'), out.stdout);
    assert.ok(JSON.parse(out.stdout).queues.every((q: { vhost: string }) => q.vhost === vhost), 'the vhost comes from broker_url');
    writeFileSync(join(dir, 'deployed.json'), readFileSync(join(FIXTURE, 'deployed.json'), 'utf8').replaceAll('@VHOST@', vhost));
    await importDefinitions(join(dir, 'implied.json'), mgmt, vhost);
    await importDefinitions(join(dir, 'deployed.json'), mgmt, vhost);
    const p = await openProject(dir);
    const calls = JSON.parse(readFileSync(join(FIXTURE, 'calls.json'), 'utf8'));
    const res = publishAndCompare(p, dir, vhost, calls);
    assert.deepEqual(res.filter((r) => r.worker_declare), [], 'the worker declares on the imported topology without 406');
    // what the definitions add: exchange→exchange copy, alternate exchange (policy), a deployed-only exchange
    assert.deepEqual(res.map((r) => r.landed), [['audit', 'orders'], ['urgent'], ['archive'], ['default'], ['unrouted'], ['audit'], ['audit', 'orders']]);
    // the config and its own definitions agree: no drift but the deployed extras
    const drift = computeDiagnostics(p).filter((d) => d.code.startsWith('missing-') || d.code.endsWith('-mismatch'));
    assert.deepEqual(drift.map((d) => d.message), []);
  });
});

test('planted drift in imported definitions: the 406s real Celery gets are the ones the engine predicts', async (t) => {
  if (!(await ready(t))) return;
  await withVhost(async (_url, vhost, mgmt) => {
    const dir = project(vhost, ['implied.json']);
    const out = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'definitions', dir], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const d = JSON.parse(out.stdout);
    d.exchanges.find((x: { name: string }) => x.name === 'events').type = 'direct';
    d.queues.find((x: { name: string }) => x.name === 'urgent').arguments['x-max-priority'] = 5;
    writeFileSync(join(dir, 'implied.json'), JSON.stringify(d, null, 2));
    await importDefinitions(join(dir, 'implied.json'), mgmt, vhost);
    const p = await openProject(dir);
    const res = publishAndCompare(p, dir, vhost, [
      { task: 'proj.tasks.place_order' }, { task: 'proj.tasks.ping', options: { queue: 'orders' } }, { task: 'proj.tasks.page' }, { task: 'proj.tasks.ping' },
    ]);
    assert.deepEqual(res.filter((r) => r.worker_declare).map((r) => r.worker_declare), ['orders', 'urgent']);
    assert.deepEqual(res.filter((r) => r.index !== undefined).map((r) => r.sent), [true, false, false, true]);
  });
});
