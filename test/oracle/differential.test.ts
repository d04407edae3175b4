import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
/**
 * Differential test: the routing engine against real Celery.
 *
 * test/oracle/celery_oracle.py imports every fixture project under
 * test/oracle/fixtures/ with Debian's python3-celery and sends each call of its
 * calls.json through Celery's real code path.  It reports, per call, what Celery
 * published (queue, exchange, routing key, priority, error) and where the message
 * landed: on a model of RabbitMQ (all fixtures) and, for the fixtures marked
 * `"broker": true`, on a real RabbitMQ and a real Redis.  This test opens each
 * fixture with the engine (`openProject`) and routes the same calls statically;
 * every field must agree.
 *
 * It runs twice: Debian 12's python3-celery (5.2.6, /usr/bin/python3) and Debian 13's (5.5.2) in the
 * debootstrap chroot scripts/setup-tests.sh makes at .cache/trixie-celery (harness `--python-root`). The
 * engine is told which Celery it predicts for (`openProject(dir, { celeryVersion })`).
 *
 * Environment:
 *   CI=true                 a missing python3-celery / chroot / RabbitMQ / Redis fails the test
 *   ORACLE_BROKER=model     only the RabbitMQ model (default: all = model + rabbitmq + redis)
 *   ORACLE_ONLY=05,30_topic only these fixtures (name prefixes)
 *   CELERY_ORACLE_NO_CACHE=1  ignore test/oracle/.cache (results are recomputed)
 *   CELERY_ORACLE_PYTHON    interpreter with Celery (default /usr/bin/python3)
 *   CELERY_ORACLE_ROOT      the Celery 5.5 chroot (default <repo>/.cache/trixie-celery); `none` skips 5.5
 */
import { after, before, test } from 'node:test';
import { acquireShared } from '../broker/helpers';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { openProject } from '../../server/src/service/project';
import type { Project, Route, RouteCall } from '../../server/src/service/project';
import type { RouteOptions } from '../../server/src/routing/types';

const ORACLE_DIR = __dirname;
const HARNESS = path.join(ORACLE_DIR, 'celery_oracle.py');
const FIXTURES = path.join(ORACLE_DIR, 'fixtures');
const PYTHON = process.env.CELERY_ORACLE_PYTHON || '/usr/bin/python3';
const CHROOT = process.env.CELERY_ORACLE_ROOT || path.join(ORACLE_DIR, '..', '..', '.cache', 'trixie-celery');
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const BROKER_MODE = process.env.ORACLE_BROKER === 'model' ? 'model' : 'all';

// The broker part publishes to the real RabbitMQ and Redis: wait for (and hold off) the tests that restart them.
let releases: Array<() => void> = [];
before(async () => { if (BROKER_MODE !== 'model') releases = [await acquireShared('rabbitmq'), await acquireShared('redis')]; });
after(() => releases.forEach((r) => r()));

// ---------------------------------------------------------------------------
// The oracle's JSON document (see test/oracle/README.md)
// ---------------------------------------------------------------------------
interface OracleCallInput {
  index: number;
  task: string;
  via: 'apply_async' | 'send_task';
  app: string | null;
  options: Record<string, unknown>;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

interface OracleCallResult {
  index: number;
  task: string;
  queue: string | null;
  exchange: string | null;
  routingKey: string | null;
  priority: number | null;
  error: string | null;
  brokerError: string | null;
  deliveredTo?: string[];
  dropped?: boolean;
  deliveredToRedis?: string[];
  /** Celery 5.5 native delayed delivery: where the message is once the delay has passed. */
  deliveredAfterDelay?: string[];
  redisLists?: string[];
  droppedOnRedis?: boolean;
}

/** calls.json `canvases`: a fixture function that sends — a group / chain / chord, or plain `delay` / `apply_async`
 * / `send_task` calls — and what it published. */
interface CanvasPublish { task: string; queue: string | null; exchange: string | null; routingKey: string | null; priority: number | null; step: string }
interface OracleCanvas { function: string; publishes: CanvasPublish[]; error: string | null }

interface OraclePart {
  calls?: (OracleCallResult | null)[];
  canvases?: OracleCanvas[];
  crash?: string;
  unavailable?: string;
  problems?: string[];
  cached?: boolean;
}

interface OracleFixture {
  name: string;
  dir: string;
  app: string | null;
  broker: boolean;
  calls: OracleCallInput[];
  model: OraclePart | null;
  rabbitmq: OraclePart | null;
  redis: OraclePart | null;
}

interface OracleDoc {
  oracle: { versions: Record<string, string | null>; harness: string; pythonRoot?: string | null };
  services: Record<string, { available: boolean; reason: string | null }>;
  fixtures: OracleFixture[];
  timing: Record<string, unknown>;
}

type PartName = 'model' | 'rabbitmq' | 'redis';

interface Disagreement {
  fixture: string;
  call: number;
  task: string;
  part: PartName;
  field: string;
  celery: unknown;
  engine: unknown;
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------
/** `bcast.<uuid4>` differs in every process: compare Broadcast queues by shape. */
function queueName(q: string): string {
  return q.startsWith('bcast.') ? 'bcast.<uuid>' : q;
}

function queueList(qs: readonly string[] | undefined | null): string[] {
  return [...new Set((qs ?? []).map(queueName))].sort();
}

/** Redis priority sub-lists (`q\x06\x163`) are the same queue. */
function redisQueueList(qs: readonly string[] | undefined | null): string[] {
  return queueList((qs ?? []).map((k) => k.split('\x06\x16')[0].split('\\x06\\x16')[0]));
}

function errorName(e: string | null | undefined): string | null {
  if (e === null || e === undefined || e === '') return null;
  const i = e.indexOf(':');
  return (i < 0 ? e : e.slice(0, i)).trim();
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// Running the oracle
// ---------------------------------------------------------------------------
/** Where the harness children run: this machine's interpreter, or a chroot (`--python-root`). */
interface Oracle { label: string; root?: string }

function celeryAvailable(o: Oracle): string | null {
  const cmd = o.root ? 'chroot' : PYTHON;
  const args = o.root ? [o.root, '/usr/bin/python3'] : [];
  if (o.root && !existsSync(path.join(o.root, 'usr/bin/python3'))) {
    return `no Celery 5.5 chroot at ${o.root} (run scripts/setup-tests.sh)`;
  }
  const r = spawnSync(cmd, [...args, '-c', 'import celery, kombu; print(celery.__version__)'], {
    encoding: 'utf8',
  });
  if (r.error) return `${cmd} not runnable: ${r.error.message}`;
  if (r.status !== 0) return `python3-celery not importable by ${[cmd, ...args].join(' ')}: ${r.stderr.trim()}`;
  return null;
}

function runOracle(o: Oracle): OracleDoc {
  const argv = [HARNESS, FIXTURES, '--broker', BROKER_MODE];
  if (o.root) argv.push('--python-root', o.root);
  if (process.env.ORACLE_ONLY) argv.push('--only', process.env.ORACLE_ONLY);
  const r = spawnSync(PYTHON, argv, {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
  });
  if (r.error) throw new Error(`celery_oracle.py could not run: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`celery_oracle.py exited with ${r.status}:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout) as OracleDoc;
}

// ---------------------------------------------------------------------------
// Running the engine
// ---------------------------------------------------------------------------
function toRouteOptions(o: Record<string, unknown>): RouteOptions {
  const out: RouteOptions = {};
  if ('queue' in o) out.queue = o.queue as string | null;
  if ('exchange' in o) out.exchange = o.exchange as string | null;
  if ('routing_key' in o) out.routing_key = o.routing_key as string | null;
  if ('priority' in o) out.priority = o.priority as number | null;
  if ('exchange_type' in o) out.exchange_type = o.exchange_type as string | null;
  if ('countdown' in o) out.countdown = o.countdown as number | null;
  if ('eta' in o) out.eta = o.eta as string | null;
  return out;
}

type EngineOutcome = { route: Route } | { threw: string };

function engineRoute(project: Project, c: OracleCallInput): EngineOutcome {
  // args/kwargs ride along: Celery type-checks apply_async arguments against
  // the task signature before routing (TypeError), see fixture 43.
  const call: RouteCall = {
    task: c.task,
    options: toRouteOptions(c.options),
    via: c.via,
    arguments: { args: (c.args ?? []).length, kwargs: Object.keys(c.kwargs ?? {}) },
  };
  if (c.app) call.app = c.app;
  try {
    return { route: project.route(call) };
  } catch (e) {
    return { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** What the engine says the canvas call sites inside `module:function` publish (sorted: order is not compared). */
const PLAIN_SENDS = new Set(['delay', 'apply_async', 'send_task']);

function engineCanvas(project: Project, fn: string): CanvasPublish[] | string {
  const [mod, name] = fn.split(':');
  const src = project.ws.modules.get(mod);
  const def = src?.ir.body.find((st) => st.s === 'def' && st.name === name);
  if (!src || !def) return `no function ${fn} in the engine's workspace`;
  const inside = (r: { start: { line: number } }) => r.start.line >= def.r[0] && r.start.line <= def.r[2];
  const out: CanvasPublish[] = [];
  for (const c of project.ws.callsOf(src)) {
    // canvas parts, and plain sends (a signature that is only built is not a publish)
    if (!inside(c.loc.range) || (!c.canvas && !PLAIN_SENDS.has(c.via))) continue;
    const r = project.routeCall(c);
    if (!r) return `a part of ${fn} has no task name (${c.taskExpr ?? c.via})`;
    out.push({ task: r.task, queue: r.queue ?? null, exchange: r.exchange ?? null, routingKey: r.routingKey ?? null, priority: r.priority ?? null, step: c.canvas?.step ?? 'now' });
  }
  return sortPublishes(out);
}

function sortPublishes(ps: CanvasPublish[]): CanvasPublish[] {
  const key = (p: CanvasPublish) => JSON.stringify([p.step, p.task, p.queue, p.exchange, p.routingKey, p.priority]);
  return ps.map((p) => ({ task: p.task, queue: p.queue, exchange: p.exchange, routingKey: p.routingKey, priority: p.priority, step: p.step }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------
function compareCall(
  fx: OracleFixture,
  c: OracleCallInput,
  part: PartName,
  o: OracleCallResult,
  engine: EngineOutcome,
): Disagreement[] {
  const out: Disagreement[] = [];
  const diff = (field: string, celery: unknown, eng: unknown): void => {
    if (!same(celery, eng)) {
      out.push({ fixture: fx.name, call: c.index, task: c.task, part, field, celery, engine: eng });
    }
  };
  if ('threw' in engine) {
    out.push({
      fixture: fx.name, call: c.index, task: c.task, part, field: 'route()',
      celery: o.error ?? 'no exception', engine: `threw ${engine.threw}`,
    });
    return out;
  }
  const r = engine.route;
  if (part === 'model') {
    diff('queue', o.queue, r.queue ?? null);
    diff('exchange', o.exchange, r.exchange ?? null);
    diff('routingKey', o.routingKey, r.routingKey ?? null);
    diff('priority', o.priority, r.priority ?? null);
    diff('deliveredTo', queueList(o.deliveredTo), queueList(r.deliveredTo));
    diff('dropped', o.dropped ?? false, r.dropped ?? false);
    diff('error', errorName(o.error), errorName(r.error));
    diff('brokerError', o.brokerError !== null, !!r.brokerError);
    if (o.deliveredAfterDelay) diff('deliveredAfterDelay', queueList(o.deliveredAfterDelay), queueList(r.delayed?.deliveredAfterDelay));
  } else if (part === 'rabbitmq') {
    diff('deliveredTo', queueList(o.deliveredTo), queueList(r.deliveredTo));
    diff('dropped', o.dropped ?? false, r.dropped ?? false);
    diff('error', errorName(o.error), errorName(r.error));
    diff('brokerError', o.brokerError !== null, !!r.brokerError);
    if (o.deliveredAfterDelay) diff('deliveredAfterDelay', queueList(o.deliveredAfterDelay), queueList(r.delayed?.deliveredAfterDelay));
  } else {
    diff('deliveredToRedis', redisQueueList(o.deliveredToRedis), redisQueueList(r.deliveredToRedis));
  }
  return out;
}

// ---------------------------------------------------------------------------
const ORACLES: Oracle[] = [
  { label: 'Debian 12 python3-celery' },
  ...(CHROOT === 'none' ? [] : [{ label: 'Debian 13 python3-celery (chroot)', root: CHROOT }]),
];

for (const oracle of ORACLES) test(`routing engine agrees with real Celery on every fixture call: ${oracle.label}`, async (t) => {
  const missingCelery = celeryAvailable(oracle);
  if (missingCelery) {
    if (IN_CI) assert.fail(`CI: ${missingCelery}`);
    t.skip(`${missingCelery} (scripts/setup-tests.sh installs it; CI=true makes this a failure)`);
    return;
  }

  const doc = runOracle(oracle);
  const celeryVersion = doc.oracle.versions.celery ?? undefined;
  const parts: PartName[] = ['model'];
  for (const p of ['rabbitmq', 'redis'] as const) {
    const svc = doc.services[p];
    if (!svc) continue;
    if (svc.available) {
      parts.push(p);
    } else if (IN_CI) {
      assert.fail(`CI: ${p} is required for the differential test: ${svc.reason}`);
    } else {
      const msg = `skipping the real-${p} comparison: ${svc.reason}`;
      t.diagnostic(msg);
      console.log(`[oracle] ${msg}`);
    }
  }

  const problems: string[] = [];
  const disagreements: Disagreement[] = [];
  const counts: Record<PartName, { agree: number; total: number }> = {
    model: { agree: 0, total: 0 },
    rabbitmq: { agree: 0, total: 0 },
    redis: { agree: 0, total: 0 },
  };
  let callsAgree = 0;
  let callsTotal = 0;

  for (const fx of doc.fixtures) {
    for (const p of parts) {
      const part = fx[p];
      if (p !== 'model' && !fx.broker) continue;
      if (!part) problems.push(`${fx.name}: oracle produced no ${p} result`);
      else if (part.crash) problems.push(`${fx.name}: oracle ${p} run crashed:\n${part.crash}`);
      else if (part.problems?.length) problems.push(`${fx.name}: oracle ${p}: ${part.problems.join('; ')}`);
    }

    let project: Project | null = null;
    let openError: string | null = null;
    try {
      // calls.json "env": the environment real Celery ran with; the engine gets it as the project file's `env`.
      const env = (JSON.parse(readFileSync(join(fx.dir, 'calls.json'), 'utf8')) as { env?: Record<string, string> }).env;
      project = await openProject(fx.dir, { env, celeryVersion });
    } catch (e) {
      openError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }

    for (const c of fx.calls) {
      const engine: EngineOutcome = project ? engineRoute(project, c) : { threw: `openProject: ${openError}` };
      let callOk = true;
      for (const p of parts) {
        if (p !== 'model' && !fx.broker) continue;
        const o = fx[p]?.calls?.[c.index];
        if (!o) continue;
        const d = compareCall(fx, c, p, o, engine);
        counts[p].total += 1;
        if (d.length === 0) counts[p].agree += 1;
        else callOk = false;
        disagreements.push(...d);
      }
      callsTotal += 1;
      if (callOk) callsAgree += 1;
    }

    // canvases: every publish of the group / chain / chord (model part only: routing, not the broker, decides)
    for (const cv of fx.model?.canvases ?? []) {
      const celery = cv.error ? `error ${cv.error}` : sortPublishes(cv.publishes);
      const engine = project ? engineCanvas(project, cv.function) : `openProject: ${openError}`;
      counts.model.total += 1;
      callsTotal += 1;
      if (same(celery, engine)) {
        counts.model.agree += 1;
        callsAgree += 1;
      } else disagreements.push({ fixture: fx.name, call: -1, task: cv.function, part: 'model', field: 'canvas publishes', celery, engine });
    }
  }

  const summary =
    `${callsAgree}/${callsTotal} calls agree (` +
    parts.map((p) => `${p}: ${counts[p].agree}/${counts[p].total}`).join(', ') +
    `) over ${doc.fixtures.length} fixtures; Celery ${doc.oracle.versions.celery}, kombu ${doc.oracle.versions.kombu}` +
    ` (${oracle.label}; oracle ${JSON.stringify(doc.timing.total)} s)`;
  console.log(`[oracle] ${summary}`);
  t.diagnostic(summary);

  assert.deepEqual(problems, [], `the oracle itself failed:\n${problems.join('\n')}`);
  if (disagreements.length) {
    const lines = disagreements.map(
      (d) => `  ${d.fixture} #${d.call} ${d.task} [${d.part}] ${d.field}: celery=${show(d.celery)} engine=${show(d.engine)}`,
    );
    assert.fail(`${summary}\n${disagreements.length} disagreement(s):\n${lines.join('\n')}`);
  }
});
