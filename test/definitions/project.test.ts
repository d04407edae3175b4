// A project whose celery-routing.json names RabbitMQ definitions: routes use them, drift is reported on the
// Python line and the JSON line, `check` and `definitions` on the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { openProject } from '../../server/src/service/project';
import { computeDiagnostics } from '../../server/src/service/diagnostics';
import { impliedDefinitions } from '../../server/src/service/definitions';

const FIXTURE = join(__dirname, 'fixture');
const CLI = join(__dirname, '../../server/src/cli/main.ts');

/** The fixture with a project file pointing at `defs.json` (vhost 'prod' through broker_url). */
function project(defs: object | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-defs-'));
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'celery-routing.json'), JSON.stringify({ env: { BROKER_URL: 'amqp://guest:guest@localhost:5672/prod' }, brokerDefinitions: ['defs.json'] }, null, 2));
  writeFileSync(join(dir, 'defs.json'), typeof defs === 'string' ? defs : JSON.stringify(defs, null, 2));
  return dir;
}
const deployed = (vhost = 'prod') => JSON.parse(readFileSync(join(FIXTURE, 'deployed.json'), 'utf8').replaceAll('@VHOST@', vhost));
const lineOf = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle));

test('routes start from the deployed topology of the app vhost; editing the definitions applies at once', async () => {
  const dir = project(deployed());
  const p = await openProject(dir);
  assert.equal(p.apps[0].config.deployed?.vhost, 'prod');
  assert.deepEqual(p.route({ task: 'proj.tasks.place_order' }).deliveredTo, ['audit', 'orders']);
  assert.deepEqual(p.route({ task: 'proj.tasks.ping', options: { exchange: 'events', routing_key: 'nomatch.x' } }).deliveredTo, ['unrouted']);
  // the same file for another vhost: not this app's broker
  p.updateFile(join(dir, 'defs.json'), JSON.stringify(deployed('other')));
  assert.deepEqual(p.route({ task: 'proj.tasks.place_order' }).deliveredTo, ['orders']);
});

test('drift with the definitions: on the Python line and on the JSON line, each pointing at the other', async () => {
  const defs = deployed();
  defs.exchanges[0].type = 'direct'; // 'events' is topic in the config
  defs.queues.push({ name: 'urgent', vhost: 'prod', durable: true, auto_delete: false, arguments: { 'x-max-priority': 5 } });
  const dir = project(defs);
  const p = await openProject(dir);
  const ds = computeDiagnostics(p).filter((d) => ['queue-argument-mismatch', 'exchange-type-mismatch', 'missing-queue', 'missing-binding', 'missing-exchange'].includes(d.code));
  const py = join(dir, 'proj/celery.py');
  const json = join(dir, 'defs.json');
  const where = (d: { code: string; loc: { file: string; range: { start: { line: number } } } }) => `${d.code}@${d.loc.file === py ? 'py' : 'json'}:${d.loc.range.start.line}`;
  const got = ds.map(where).sort();
  const urgentPy = lineOf(py, "Queue('urgent'");
  const prioJson = lineOf(json, '"x-max-priority": 5');
  const typeJson = lineOf(json, '"type": "direct"');
  for (const want of [`queue-argument-mismatch@py:${urgentPy}`, `queue-argument-mismatch@json:${prioJson}`, `exchange-type-mismatch@py:${lineOf(py, "events = Exchange('events'")}`, `exchange-type-mismatch@json:${typeJson}`,
    `missing-queue@py:${lineOf(py, "Queue('default'")}`, `missing-exchange@py:${lineOf(py, "Queue('default'")}`]) {
    assert.ok(got.includes(want), `${want} not in\n${got.join('\n')}`);
  }
  const prio = ds.find((d) => d.code === 'queue-argument-mismatch' && d.loc.file === py)!;
  assert.equal(prio.severity, 'error');
  assert.match(prio.message, /x-max-priority=5 in the RabbitMQ definitions but 10 in the config: declaring it fails with 406 PRECONDITION_FAILED/);
  assert.deepEqual(prio.related?.map((r) => `${r.loc.file === json ? 'json' : 'py'}:${r.loc.range.start.line}`), [`json:${prioJson}`]);
  const prioJ = ds.find((d) => d.code === 'queue-argument-mismatch' && d.loc.file === json)!;
  assert.deepEqual(prioJ.related?.map((r) => `${r.loc.file === py ? 'py' : 'json'}:${r.loc.range.start.line}`), [`py:${urgentPy}`]);
  // the engine agrees: the send to urgent fails, the broker-error rule reports it
  assert.match(p.route({ task: 'proj.tasks.page' }).brokerError ?? '', /^406 PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'urgent' in vhost 'prod'/);
});

test('a missing definitions file and a malformed one are positioned errors; the rest still works', async () => {
  const dir = project('{\n  "queues": [\n    {"name": "x"}\n  ]\n  ,,\n}');
  writeFileSync(join(dir, 'celery-routing.json'), JSON.stringify({ brokerDefinitions: ['defs.json', 'gone.json'] }, null, 2));
  const p = await openProject(dir);
  const ds = computeDiagnostics(p);
  const pf = ds.find((d) => d.code === 'project-file')!;
  assert.match(pf.message, /no such file gone\.json/);
  assert.equal(pf.loc.range.start.line, lineOf(join(dir, 'celery-routing.json'), 'gone.json'));
  const bad = ds.find((d) => d.code === 'definitions-file')!;
  assert.equal(bad.loc.file, join(dir, 'defs.json'));
  assert.equal(bad.loc.range.start.line, 4);
  assert.deepEqual(p.route({ task: 'proj.tasks.ping' }).deliveredTo, ['default']);
});

test('the definitions the config implies: worker queues with arguments, auto-created targets, bindings, vhost on every item', async () => {
  const p = await openProject(FIXTURE, { noProjectFile: true });
  const { definitions: d } = impliedDefinitions(p, 'v1');
  assert.deepEqual(d.vhosts, [{ name: 'v1' }]);
  assert.deepEqual(d.exchanges.map((x) => `${x.name}:${x.type}`).sort(), ['archive:direct', 'default:direct', 'events:topic', 'urgent:direct']);
  assert.deepEqual(d.queues.map((q) => `${q.name}:${JSON.stringify(q.arguments)}`), ['default:{}', 'orders:{}', 'urgent:{"x-max-priority":10}', 'archive:{}']);
  assert.deepEqual(d.bindings.map((b) => `${b.source}->${b.destination}:${b.routing_key}`), ['default->default:default', 'events->orders:order.*', 'urgent->urgent:urgent', 'archive->archive:archive']);
  assert.ok([...d.exchanges, ...d.queues, ...d.bindings].every((x) => x.vhost === 'v1'));
});

test('CLI: check reports the drift with file:line, definitions prints importable JSON', () => {
  const defs = deployed();
  defs.queues.push({ name: 'urgent', vhost: 'prod', durable: true, auto_delete: false, arguments: { 'x-max-priority': 5 } });
  const dir = project(defs);
  const check = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'check', dir], { encoding: 'utf8' });
  assert.equal(check.status, 1, check.stderr);
  assert.match(check.stdout, new RegExp(`proj/celery.py:${lineOf(join(dir, 'proj/celery.py'), "Queue('urgent'") + 1}:\\d+: error \\[queue-argument-mismatch\\]`));
  assert.match(check.stdout, new RegExp(`defs.json:${lineOf(join(dir, 'defs.json'), '"x-max-priority": 5') + 1}:\\d+: error \\[queue-argument-mismatch\\]`));
  const out = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'definitions', dir], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const d = JSON.parse(out.stdout);
  assert.deepEqual(d.vhosts, [{ name: 'prod' }], 'the vhost of broker_url (from the project file env)');
  assert.equal(d.queues.find((q: { name: string }) => q.name === 'urgent').arguments['x-max-priority'], 10);
});
