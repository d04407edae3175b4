/**
 * Fuzzing of the Python front end (tree-sitter + lowering), the evaluator, the routing engine, the diagnostics
 * and the worker file readers, through their public entry points: `Project.updateFile(file, text)` (parse,
 * lower), `.apps` / `.tasks` / `.calls` / `.route()` / `.routeCall()`, `analysis()`, `computeDiagnostics()`,
 * `extractWorkers()`.
 *
 * Inputs are generated from a seed: input `i` of seed `s` is always the same (PRNG seeded by (s, i)), so a
 * finding is reproduced by its seed and index alone. Generators: prefixes and random edits of every Python
 * and worker file of examples/ and test/oracle/fixtures/*, deeply nested literals, giant strings, 10 MB
 * files (through the max file size check and in memory), invalid UTF-8 (decoded with replacement, as the
 * server reads files), NUL bytes, very long lines, pathological imports, self-referencing settings, huge
 * task_routes / task_queues, random worker files (compose, Procfile, systemd, supervisor, shell, Makefile,
 * Dockerfile, pyproject, Kubernetes).
 *
 * The inputs run in a child process (a fatal V8 error or an out-of-memory kills only the child; a watchdog
 * kills a child stuck on one input). Findings:
 * - crash: an exception escaped a public entry point;
 * - fatal: the child process died (V8 fatal error, out of memory, wasm abort);
 * - hang: one input took longer than its budget (2 s + 4 ms/KiB beyond 64 KiB; 10 s over 1 MB) in wall and CPU time, or the
 *   watchdog fired (30 s);
 * - swallowed: an exception caught by a guard (evaluator statement guard, diagnostics rule guard, a worker
 *   reader behind extractWorkers' try/catch): not fatal, but a bug;
 * - invariant: a file above the max file size was analysed instead of skipped with a note.
 * Each is saved with a minimal reproduction under test/fuzz/crashes/ (git-ignored).
 *
 *   node --import tsx test/fuzz/fuzz.ts [--seed N] [--seconds S] [--count N] [--long] [--jobs J]
 *   node --import tsx test/fuzz/fuzz.ts --repro test/fuzz/crashes/<file>.json
 *   node --import tsx test/fuzz/fuzz.ts --show <index> [--seed N] [--long]     (print one input)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import type { RouteOptions } from '../../server/src/routing/types';
import { pythonParser } from '../../server/src/parse/python';
import { Project, type Project as ProjectT } from '../../server/src/service/project';
import { analysis } from '../../server/src/service/analysis';
import { computeDiagnostics } from '../../server/src/service/diagnostics';
import * as workers from '../../server/src/parse/workers';
import { Doc, MAX_TEXT } from '../../server/src/parse/workers/source';
import { procfileWorkers } from '../../server/src/parse/workers/procfile';
import { yamlWorkers } from '../../server/src/parse/workers/yamlfiles';
import { systemdWorkers } from '../../server/src/parse/workers/systemd';
import { supervisorWorkers } from '../../server/src/parse/workers/supervisor';
import { shellWorkers } from '../../server/src/parse/workers/shell';
import { makefileWorkers } from '../../server/src/parse/workers/makefile';
import { dockerfileWorkers } from '../../server/src/parse/workers/dockerfile';
import { pyprojectWorkers } from '../../server/src/parse/workers/pyproject';

const REPO = path.resolve(__dirname, '../..');
export const CRASH_DIR = path.join(__dirname, 'crashes');

// ------------------------------------------------------------------------------------------------ PRNG

/** mulberry32: small, fast, good enough; seeded per input so any input can be regenerated alone. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  range(a: number, b: number): number { return a + this.int(b - a + 1); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  /** Small numbers mostly, occasionally big: 1..max, log-uniform. */
  logInt(max: number): number { return Math.max(1, Math.floor(Math.exp(this.next() * Math.log(max + 1)))); }
}

export function inputRng(seed: number, index: number): Rng {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

// ------------------------------------------------------------------------------------------------ corpus

export interface Group {
  key: string;
  root: string;
  files: Array<{ path: string; text: string }>;
  /** Sends to route (calls.json of an oracle fixture). */
  calls: Array<{ task: string; options?: RouteOptions }>;
}

const WORKER_NAME = /(^Procfile|\.ya?ml$|\.service$|\.conf$|\.ini$|\.sh$|^Makefile$|\.mk$|^Dockerfile|^pyproject\.toml$)/;

let corpusCache: Group[] | undefined;
export function corpus(): Group[] {
  if (corpusCache) return corpusCache;
  const groups: Group[] = [];
  const walk = (dir: string, out: Group['files']) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== '__pycache__' && !e.name.startsWith('.')) walk(p, out); continue; }
      if (e.name.endsWith('.py') || WORKER_NAME.test(e.name)) out.push({ path: p, text: readFileSync(p, 'utf8') });
    }
  };
  const add = (key: string, root: string) => {
    const files: Group['files'] = [];
    walk(root, files);
    files.sort((a, b) => a.path.localeCompare(b.path));
    let calls: Group['calls'] = [];
    const cj = path.join(root, 'calls.json');
    if (existsSync(cj)) {
      try { calls = (JSON.parse(readFileSync(cj, 'utf8')) as { calls?: Group['calls'] }).calls ?? []; } catch { /* not ours to check */ }
    }
    if (files.length) groups.push({ key, root, files, calls });
  };
  for (const d of readdirSync(path.join(REPO, 'examples')).sort()) add(`examples/${d}`, path.join(REPO, 'examples', d));
  const fx = path.join(REPO, 'test/oracle/fixtures');
  for (const d of readdirSync(fx).sort()) if (statSync(path.join(fx, d)).isDirectory()) add(`fixtures/${d}`, path.join(fx, d));
  corpusCache = groups;
  return groups;
}

/** Every corpus file, with its group (for the prefix sweep). */
function corpusFiles(): Array<{ group: Group; file: { path: string; text: string } }> {
  return corpus().flatMap((group) => group.files.map((file) => ({ group, file })));
}

// ------------------------------------------------------------------------------------------------ inputs

export interface FuzzInput {
  index: number;
  gen: string;
  /** Project root (absolute). Synthetic projects use a folder under the fuzz temp dir. */
  root: string;
  /** Files given as text (an editor buffer). */
  files: Array<{ path: string; text: string }>;
  /** Files written to disk and read through the size check (`updateFile(file)` without text). */
  disk?: Array<{ path: string; text: string }>;
  /** Analyse inside this corpus group's project, `files` replacing its own. */
  base?: string;
  /** Extra sends to route. */
  sends?: Array<{ task: string; options?: RouteOptions; via?: 'apply_async' | 'send_task' }>;
  maxFileSize?: number;
  /** Budget in ms (2 s; 10 s for big inputs). */
  budget: number;
}

const NORMAL_BUDGET = 2_000;
const BIG_BUDGET = 10_000;
const MB = 1024 * 1024;

function sizeOf(inp: Pick<FuzzInput, 'files' | 'disk'>): number {
  let n = 0;
  for (const f of inp.files) n += f.text.length;
  for (const f of inp.disk ?? []) n += f.text.length;
  return n;
}

/** Analysis must stay linear in the input: 2 s, plus 4 ms per KiB beyond 64 KiB (a 785 KiB module with
 * 10,000 tasks: 4.9 s), and 10 s for inputs over 1 MB. */
function budgetFor(inp: Pick<FuzzInput, 'files' | 'disk'>): number {
  const size = sizeOf(inp);
  return size > MB ? BIG_BUDGET : NORMAL_BUDGET + Math.max(0, (size - 64 * 1024) / 1024) * 4;
}

/** Synthetic projects live here (module names need `__init__.py` files on disk; their text comes in memory). */
export const SYNTH_ROOT = path.join(tmpdir(), 'celery-routing-fuzz', 'project');

function ensureSynthRoot(): void {
  for (const d of ['pkg', 'pkg/sub', 'pkg/sub/deep', 'proj', 'proj/settings']) {
    mkdirSync(path.join(SYNTH_ROOT, d), { recursive: true });
    const init = path.join(SYNTH_ROOT, d, '__init__.py');
    if (!existsSync(init)) writeFileSync(init, '');
  }
}

const S = (rel: string) => path.join(SYNTH_ROOT, rel);

const PY_TOKENS = [
  '(', ')', '[', ']', '{', '}', "'", '"', '"""', "'''", '\\', '**', '*', ':', '=', '==', ':=', '->', ',', '.', ';', '...', '@',
  'lambda', 'lambda x: ', 'if', 'if x:\n', 'else', 'else:\n', 'elif', 'def', 'def f(', 'class', 'class C(', 'return', 'yield',
  'async ', 'await ', 'not ', ' and ', ' or ', ' in ', ' is ', 'None', 'True', 'False', '1e999', '0x', '1_000', '-', '~', '%',
  '%s', '{}', '.format(', '.delay(', '.apply_async(', '.s(', '.si(', '.set(queue=', 'send_task(', 'Celery(', 'Queue(',
  'Exchange(', 'r"', "b'", "rb'", 'u"', 'f"{', "f'{x!r:>{w}}'", '}"', '\\N{', '\\x', '\\u', '#', '\n', '    ', '\t', '\r', '\f',
  'import ', 'from . import *\n', 'from .. import *\n', 'import celery\n', 'global ', 'with ', 'try:\n', 'except:\n',
  'finally:\n', 'for x in X:\n', 'while 1:\n', 'match x:\n', 'case _:\n', 'type X = ', 'print ', '\\\n', '\0', '\ufeff',
  '\u2028', '\ud800', '\udc00', '😀', 'é', 'app', 'app.conf', 'task_routes', 'task_queues', 'CELERY_', 'os.environ.get(',
  'os.environ[', "'django.conf:settings'", "namespace='CELERY'", 'config_from_object(', 'conf.update(', '*args', '**kwargs',
];

const DECORATORS = [
  '@app.task\n', '@app.task()\n', "@app.task(queue='q')\n", "@app.task(name='t', queue=Q)\n", '@shared_task\n',
  "@shared_task(queue='x', routing_key='k', exchange='e', priority=3)\n", '@app.task(bind=True, base=Base)\n', '@\n',
  '@app.task(\n', '@(lambda f: f)\n', '@x[0]\n', "@app.task(name=f'{__name__}.x')\n", '@celery.shared_task(**opts)\n',
];

const IDENTS = ['app', 'celery', 'Celery', 'Queue', 'Exchange', 'task_routes', 'task_queues', 'CELERY_TASK_ROUTES', 'X', 'x', 'self',
  'shared_task', 'settings', 'os', 'environ', 'route_task', 'Router', 'conf', '__name__', '__all__', 'include', 'broker_url'];

function randomChar(r: Rng): string {
  switch (r.int(10)) {
    case 0: return String.fromCharCode(r.int(32));
    case 1: return String.fromCharCode(0xd800 + r.int(0x800)); // lone surrogate
    case 2: return String.fromCodePoint(0x10000 + r.int(0xeffff));
    case 3: return String.fromCharCode(0x80 + r.int(0xff80));
    case 4: return r.pick(['\n', '\r\n', '\r', '\t', ' ', '\0', '\f', '\v', '\ufeff', '\u2028', '\u00a0']);
    default: return String.fromCharCode(32 + r.int(95));
  }
}

function randomText(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += randomChar(r);
  return s;
}

/** One random edit. */
function mutateOnce(r: Rng, text: string): string {
  const pos = () => r.int(text.length + 1);
  const lines = () => text.split('\n');
  switch (r.int(14)) {
    case 0: { const p = pos(); return text.slice(0, p) + randomText(r, r.logInt(16)) + text.slice(p); }
    case 1: { const p = pos(); return text.slice(0, p) + text.slice(p + r.logInt(64)); }
    case 2: { const p = pos(); const n = r.logInt(16); return text.slice(0, p) + randomText(r, n) + text.slice(p + n); }
    case 3: { const ls = lines(); const a = r.int(ls.length), b = r.int(ls.length); [ls[a], ls[b]] = [ls[b], ls[a]]; return ls.join('\n'); }
    case 4: { const ls = lines(); const a = r.int(ls.length); ls.splice(a, 0, ...Array(r.logInt(8)).fill(ls[a])); return ls.join('\n'); }
    case 5: { const ls = lines(); ls.splice(r.int(ls.length), r.logInt(4)); return ls.join('\n'); }
    case 6: case 7: case 8: { const p = pos(); return text.slice(0, p) + r.pick(PY_TOKENS) + text.slice(p); }
    case 9: { const ls = lines(); ls.splice(r.int(ls.length + 1), 0, r.pick(DECORATORS).replace(/\n$/, '')); return ls.join('\n'); }
    case 10: { const ls = lines(); const a = r.int(ls.length); ls[a] = r.chance(0.5) ? r.pick(['    ', '\t', ' ', '        ']) + ls[a] : ls[a].replace(/^\s{1,4}/, ''); return ls.join('\n'); }
    case 11: { const p = pos(); const n = r.logInt(200); const chunk = text.slice(p, p + n); return text.slice(0, p) + chunk.repeat(r.logInt(50)) + text.slice(p); }
    case 12: {
      // Replace an identifier or a string with a celery-ish one.
      const m = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*|'[^'\n]*'/g)];
      if (!m.length) return text;
      const hit = r.pick(m);
      const rep = hit[0].startsWith("'") ? `'${r.pick(IDENTS)}${r.pick(['', '.*', '.tasks.*', '*', '?', '[', '(', '\\'])}'` : r.pick(IDENTS);
      return text.slice(0, hit.index) + rep + text.slice(hit.index! + hit[0].length);
    }
    default: return text.slice(0, pos());
  }
}

function mutate(r: Rng, text: string, n = r.logInt(12)): string {
  let t = text;
  for (let i = 0; i < n; i++) t = mutateOnce(r, t);
  return t;
}

/** Text → bytes with invalid UTF-8 sprinkled in → text decoded with replacement (as readFileSync(f, 'utf8')). */
function corruptBytes(r: Rng, text: string): string {
  const b = [...Buffer.from(text, 'utf8')];
  const junk = [[0x80], [0xff], [0xfe], [0xc0, 0x80], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f], [0xc3], [0], [0xef, 0xbb, 0xbf]];
  const n = r.logInt(40);
  for (let i = 0; i < n; i++) {
    const p = r.int(b.length + 1);
    if (r.chance(0.3) && b.length) b[Math.min(p, b.length - 1)] = r.int(256);
    else b.splice(p, 0, ...r.pick(junk));
  }
  return Buffer.from(b).toString('utf8');
}

const APP_HEAD = "from celery import Celery\nfrom kombu import Queue, Exchange\napp = Celery('proj')\n";

// Deeply nested constructs: open and close; `n` levels.
const NESTERS: Array<[string, (n: number) => string]> = [
  ['list', (n) => `task_queues = ${'['.repeat(n)}${']'.repeat(n)}\n`],
  ['dict', (n) => `task_routes = ${"{'a': ".repeat(n)}1${'}'.repeat(n)}\n`],
  ['paren', (n) => `x = ${'('.repeat(n)}1${')'.repeat(n)}\n`],
  ['call', (n) => `x = ${'f('.repeat(n)}${')'.repeat(n)}\n`],
  ['delay', (n) => `${'add.s('.repeat(n)}${')'.repeat(n)}.delay()\n`],
  ['chain', (n) => `add${'.s(1)'.repeat(n)}.apply_async(queue='q')\n`],
  ['method-chain', (n) => `x = foo${'.bar()'.repeat(n)}\nq = Queue('a').bind(x)${'.bind(x)'.repeat(n)}\n`],
  ['attr', (n) => `x = app${'.conf'.repeat(n)}\n`],
  ['subscript', (n) => `x = d${'[0]'.repeat(n)}\n`],
  ['not', (n) => `x = ${'not '.repeat(n)}1\n`],
  ['neg', (n) => `x = ${'-'.repeat(n)}1\n`],
  ['lambda', (n) => `x = ${'lambda: '.repeat(n)}1\n`],
  ['lambda-call', (n) => `x = ${'(lambda: '.repeat(n)}f()${')'.repeat(n)}\n`],
  ['binop', (n) => `x = ${Array(n).fill("'a'").join(' + ')}\n`],
  ['concat', (n) => `x = ${Array(n).fill("'a'").join(' ')}\n`],
  ['cond', (n) => `x = ${"'a' if y else ".repeat(n)}'b'\n`],
  ['compare', (n) => `x = ${Array(n).fill('a').join(' < ')}\n`],
  ['boolop', (n) => `x = ${Array(n).fill('a').join(' or ')}\n`],
  ['fstring', (n) => `x = ${'f"{'.repeat(Math.min(n, 300))}1${'}"'.repeat(Math.min(n, 300))}\n`],
  ['chained-assign', (n) => `${Array(n).fill('a').join(' = ')} = 1\n`],
  ['tuple', (n) => `x = ${'1,'.repeat(n)}\n`],
  ['kwargs', (n) => `app.conf.update(${Array.from({ length: n }, (_, i) => `k${i}=${i}`).join(', ')})\n`],
  ['star', (n) => `x = [${'*'.repeat(n)}y]\n`],
  ['decorators', (n) => `${'@app.task\n'.repeat(n)}def f(): pass\n`],
  ['indent-if', (n) => Array.from({ length: Math.min(n, 600) }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(Math.min(n, 600)) + "app.send_task('t', queue='q')\n"],
  ['indent-mixed', (n) => Array.from({ length: Math.min(n, 600) }, (_, i) => '\t'.repeat(i >> 3) + ' '.repeat(i & 7) + ['def f():', 'class C:', 'if x:', 'for a in b:', 'try:', 'with x:', 'while 1:'][i % 7] + '\n').join('') + '\t'.repeat(300) + "s = 'x'\n"],
  ['indent-unclosed', (n) => Array.from({ length: Math.min(n, 600) }, (_, i) => ' '.repeat(i) + `x${i} = f"{'\n`).join('')],
];

function nested(r: Rng): { gen: string; text: string } {
  const [name, f] = r.pick(NESTERS.filter(([n]) => !KNOWN.has(`nested/${n}`)));
  const n = r.pick(KNOWN.has('parse/incremental-sibling-walk') ? [10, 100, 500, 1000, 2000] : [10, 100, 500, 1000, 5000, 10000]);
  let text = APP_HEAD + f(n);
  let gen = `nested/${name}`;
  if (r.chance(0.3)) { text = text.slice(0, APP_HEAD.length + r.int(text.length - APP_HEAD.length)); gen += '/truncated'; }
  if (r.chance(0.2)) { text = mutate(r, text, r.logInt(4)); gen += '/mutated'; }
  return { gen, text };
}

/**
 * Settings that reference themselves. Variants listed in KNOWN are reported bugs not yet fixed: they are
 * not generated (each would kill the run), see the report in the header of each entry.
 */
const SELF_REF: Array<[string, (r: Rng) => string]> = [
  ['plus-list', () => 'X = X + [1]\ntask_queues = X\n'],
  ['same-name', () => 'task_routes = task_routes\nCELERY_TASK_ROUTES = {**CELERY_TASK_ROUTES}\n'],
  ['conf-self', () => APP_HEAD + 'app.conf.task_routes = app.conf.task_routes\napp.conf.update(task_queues=app.conf.task_queues)\napp.conf.task_routes.update(app.conf.task_routes)\napp.conf.task_routes[\'a\'] = app.conf.task_routes\n'],
  ['extend-self', (r) => 'X = [1]\n' + 'X.extend(X)\n'.repeat(r.logInt(12)) + 'task_queues = X\n'],
  ['update-self', (r) => "D = {'a': 1}\n" + 'D.update(D)\n'.repeat(r.logInt(20)) + 'task_routes = D\n'],
  ['loop-append', () => "X = [Queue('a')]\nfor q in X:\n    X.append(q)\ntask_queues = X\n"],
  ['str-double', (r) => "X = 'ab'\n" + 'X = X + X\n'.repeat(r.logInt(40)) + 'task_default_queue = X\n'],
  ['nest-double', (r) => 'X = [1]\n' + 'X = [X, X]\n'.repeat(r.logInt(64)) + 'task_queues = X\ntask_routes = {"a": X}\n'],
  ['dict-nest-double', (r) => "D = {'queue': 'q'}\n" + "D = {'a': D, 'b': D}\n".repeat(r.logInt(64)) + 'task_routes = D\n'],
  ['list-double', (r) => 'X = [1]\n' + 'X = X + X\n'.repeat(r.logInt(64)) + 'task_queues = X\n'],
  ['aug-double', (r) => 'X = [1]\n' + 'X += X\n'.repeat(r.logInt(64)) + 'task_queues = X\n'],
  ['tuple-double', (r) => 'X = (1,)\n' + 'X = X + X\n'.repeat(r.logInt(64)) + 'task_queues = X\n'],
  ['dict-or', (r) => "D = {'a': 1}\n" + 'D = D | D\n'.repeat(r.logInt(64)) + 'task_routes = D\n'],
  ['str-mul', () => "X = 'a' * 10**9\nY = ['q'] * 10**9\ntask_queues = Y\n"],
  ['format-double', (r) => "X = '{0}{0}'\n" + 'X = X.format(X)\n'.repeat(r.logInt(40)) + 'task_default_queue = X\n'],
  ['join-double', (r) => "X = 'ab'\n" + 'X = X.join([X, X])\n'.repeat(r.logInt(40)) + 'task_default_queue = X\n'],
  ['percent-double', (r) => "X = '%s%s'\n" + 'X = X % (X, X)\n'.repeat(r.logInt(40)) + 'task_default_queue = X\n'],
  ['class-self', () => 'class Config(Config):\n    task_routes = Config.task_routes\nclass A(B): pass\nclass B(A): pass\napp.config_from_object(A)\n'],
  ['celery-subclass-cycle', () => 'class A(B): pass\nclass B(A): pass\napp = A()\napp2 = B()\n'],
  ['router-self', () => APP_HEAD + "app.conf.task_routes = (route_task,)\ndef route_task(name, *a, **k):\n    return route_task(name)\napp.conf.task_routes = ['proj.celery.route_task', 'proj.celery.route_task']\n"],
];

/**
 * Open bugs outside the front end (reported, not fixed yet): these generator variants / checks are skipped
 * until their entry is removed here. Each would fail the run.
 */
export const KNOWN = new Set<string>([
  // (all reported bugs fixed: evaluator size caps, scoped effects, single evaluation of method objects,
  // top-level lowering over namedChildren, the size limit for editor buffers)
]);

function selfRef(r: Rng): { gen: string; text: string } | undefined {
  const choices = SELF_REF.filter(([n]) => !KNOWN.has(`selfref/${n}`));
  const [name, f] = r.pick(choices);
  let text = f(r);
  if (!text.startsWith(APP_HEAD) && r.chance(0.5)) text = APP_HEAD + text + "app.config_from_object('proj.celeryconfig')\n";
  return { gen: `selfref/${name}`, text };
}

/** Synthetic multi-file projects with pathological imports (module text in memory, packages on disk). */
function imports(r: Rng): { gen: string; files: FuzzInput['files'] } {
  const variant = r.int(8);
  const files: FuzzInput['files'] = [];
  const add = (rel: string, text: string) => files.push({ path: S(rel), text });
  switch (variant) {
    case 0: // a imports b imports a
      add('pkg/a.py', APP_HEAD + "from pkg.b import *\nfrom pkg.b import Y\nimport pkg.b\nX = Y\napp.conf.task_routes = pkg.b.R\napp.config_from_object('pkg.b')\n");
      add('pkg/b.py', "from pkg.a import *\nfrom pkg.a import X, app\nimport pkg.a\nY = X\nR = pkg.a.app.conf.task_routes\ntask_routes = R\n@app.task\ndef t(): pass\nt.delay()\n");
      return { gen: 'imports/cycle', files };
    case 1: // self import
      add('pkg/a.py', APP_HEAD + "from pkg.a import *\nfrom . import a\nfrom .a import app as app2\nimport pkg.a as me\nX = me.X\napp.config_from_object('pkg.a')\ntask_routes = {'x': me.task_routes}\n");
      add('pkg/__init__.py', 'from . import *\nfrom .a import *\nfrom pkg import *\n');
      return { gen: 'imports/self', files };
    case 2: { // `from . import *` chains through packages
      const n = r.logInt(200);
      for (let i = 0; i < n; i++) add(`pkg/m${i}.py`, `from .m${(i + 1) % n} import *\nfrom . import *\nV${i} = ${i}\ntask_routes = {'t${i}': 'q${i}'}\n`);
      add('pkg/__init__.py', 'from .m0 import *\nfrom .sub import *\n');
      add('pkg/sub/__init__.py', 'from .. import *\nfrom ..sub import *\nfrom ... import *\nfrom .deep import *\n');
      add('pkg/sub/deep/__init__.py', 'from ... import *\nfrom .... import *\nfrom ..... import x\n');
      add('proj/celery.py', APP_HEAD + "from pkg import *\napp.config_from_object('pkg')\n");
      return { gen: 'imports/star-chain', files };
    }
    case 3: { // relative imports beyond the top, odd levels, missing modules
      add('pkg/sub/deep/x.py', APP_HEAD + `from ${'.'.repeat(r.logInt(60))} import *\nfrom ${'.'.repeat(r.logInt(60))}missing import y\nimport ${Array(r.logInt(300)).fill('a').join('.')}\nfrom . import ${Array.from({ length: r.logInt(300) }, (_, i) => `n${i}`).join(', ')}\n`);
      return { gen: 'imports/relative', files };
    }
    case 4: { // config modules that configure each other
      add('proj/celery.py', APP_HEAD + "app.config_from_object('proj.settings')\napp.config_from_object('proj.settings:Config')\napp.config_from_object('django.conf:settings', namespace='CELERY')\nimport os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n");
      add('proj/settings/__init__.py', "from .base import *\nfrom proj.celery import app\napp.config_from_object('proj.settings.base')\nclass Config(Base): pass\n");
      add('proj/settings/base.py', "from proj.settings import *\nfrom proj.celery import *\nclass Base(Config): task_routes = Config.task_routes\nCELERY_TASK_ROUTES = CELERY_TASK_ROUTES\napp.conf.update(CELERY_TASK_ROUTES)\n");
      return { gen: 'imports/config-cycle', files };
    }
    case 5: { // a long chain of modules, each importing the next
      const n = r.logInt(500);
      for (let i = 0; i < n; i++) add(`pkg/c${i}.py`, `from pkg.c${i + 1} import R\nimport pkg.c${i + 1} as nxt\nR = {**R, 't${i}': nxt.R}\n`);
      add('proj/celery.py', APP_HEAD + "from pkg.c0 import R\napp.conf.task_routes = R\n");
      return { gen: 'imports/long-chain', files };
    }
    case 6: { // same module name twice, __main__, weird file names
      add('pkg/__main__.py', APP_HEAD + '@app.task\ndef t(): pass\nt.delay()\n');
      add('pkg/sub/a.py', 'from pkg.a import *\n');
      add('pkg/a.py', 'from pkg.sub.a import *\n');
      add('weird name.py', 'import celery\n');
      add('pkg/ü.py', 'from . import ü\n');
      add('.hidden.py', 'from .hidden import *\n');
      return { gen: 'imports/names', files };
    }
    default: { // random import statements between a few modules
      const mods = ['pkg.a', 'pkg.b', 'pkg.sub.c', 'proj.celery', 'proj.settings', 'celery', 'kombu', 'os', 'django.conf'];
      for (const m of ['pkg/a.py', 'pkg/b.py', 'pkg/sub/c.py', 'proj/celery.py', 'proj/settings/__init__.py']) {
        let t = r.chance(0.5) ? APP_HEAD : '';
        for (let i = 0; i < r.logInt(12); i++) {
          const target = r.pick(mods);
          t += r.pick([`from ${target} import *\n`, `import ${target}\n`, `from ${target} import app, X\n`, `from ${'.'.repeat(r.range(1, 4))} import *\n`,
            `X = ${target}.X\n`, `app.config_from_object('${target}')\n`, `task_routes = {**${target.split('.').pop()}.task_routes}\n`]);
        }
        add(m, mutate(r, t, r.int(3)));
      }
      return { gen: 'imports/random', files };
    }
  }
}

// Worker file templates (the readers are chosen by file name).
const WORKER_TEMPLATES: Array<[string, string]> = [
  ['Procfile', 'web: gunicorn proj.wsgi\nworker: celery -A proj worker -Q default,emails -c 4 --loglevel=info\nbeat: celery -A proj beat\nw2: python -m celery -A proj.celery:app worker -X emails -n w2@%h -Q ${QUEUES:-a,b}\n'],
  ['docker-compose.yml', "services:\n  worker:\n    image: app\n    command: celery -A proj worker -Q orders,emails\n    environment:\n      QUEUES: a,b\n  w2:\n    command: [\"celery\", \"-A\", \"proj\", \"worker\", \"-Q\", \"${QUEUES:-x}\"]\n  w3:\n    command: >\n      sh -c \"celery -A proj worker -Q 'a,b' && celery multi start w1 w2 -Q:w1 x -Q y\"\nx-anchors: &a\n  command: celery worker -Q z\nw4: *a\n"],
  ['k8s/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          command: ["celery"]\n          args: ["-A", "proj", "worker", "-Q", "{{ .Values.queues }}"]\n          env:\n            - name: Q\n              value: a\n---\nkind: Pod\n'],
  ['celery.service', "[Unit]\nDescription=Celery\n[Service]\nEnvironmentFile=/etc/conf.d/celery\nExecStart=/bin/sh -c '${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES \\\n    --pidfile=${CELERYD_PID_FILE} $CELERYD_OPTS'\nExecStart=celery -A proj worker -Q a\n[Install]\nWantedBy=multi-user.target\n"],
  ['supervisord.conf', '[program:celery]\ncommand=celery -A proj worker -Q high,low --concurrency=2\nenvironment=QUEUES="a,b",X=1\n[program:beat]\ncommand=/venv/bin/celery -A proj beat\n[group:g]\nprograms=celery\n'],
  ['run.sh', '#!/bin/bash\nset -e\nQUEUES=${QUEUES:-default}\nexport APP=proj\nexec celery -A "$APP" worker -Q "$QUEUES" -n "w@%h" "$@"\ncelery -A proj multi start 3 -Q:1-2 a -Q:3 b\n'],
  ['Makefile', 'QUEUES ?= a,b\nAPP = proj\nworker:\n\tcelery -A $(APP) worker -Q $(QUEUES)\nbeat:\n\t@celery -A ${APP} beat\n'],
  ['Dockerfile', 'FROM python:3.12 AS base\nENV QUEUES=a,b\nARG APP=proj\nCMD ["celery", "-A", "proj", "worker", "-Q", "$QUEUES"]\nFROM base AS w\nENTRYPOINT celery -A ${APP} worker -Q x\n'],
  ['pyproject.toml', '[tool.poetry.scripts]\nx = "y"\n[tool.taskipy.tasks]\nworker = "celery -A proj worker -Q a,b"\n[tool.poe.tasks]\nw = { cmd = "celery -A proj worker -Q c" }\nw2 = ["celery", "-A"]\n'],
  ['deploy/celeryd.conf', 'CELERYD_NODES="w1 w2"\nCELERY_APP="proj"\nCELERYD_OPTS="-Q:w1 a -Q:w2 b"\n'],
];

const SHELL_TOKENS = ['$', '${', '${X:-', '${X:-${Y:-', '}', '$(', '$((', ')', '`', "'", '"', '\\', '\\\n', ';', '&&', '||', '|', '&', '>', '<<EOF\n',
  '#', '=', ' -Q ', ' -X ', ' -n ', ' -A ', ' worker ', ' multi start ', 'celery', 'python -m celery', 'sh -c "', 'bash -c \'', '\t', '\n',
  '[', ']', '[program:', '- ', ': ', ': |\n', ': >\n', '&a', '*a', '<<: *a', '---\n', '{{', '}}', '%h', '%n', '%i', '$$', '\0', '\r', '🙂'];

function workerFile(r: Rng): { gen: string; files: FuzzInput['files'] } {
  const [name, tmpl] = r.pick(WORKER_TEMPLATES);
  let text = tmpl;
  let gen = 'workers/';
  switch (r.int(6)) {
    case 0: text = tmpl.slice(0, r.int(tmpl.length + 1)); gen += 'truncate'; break;
    case 1: case 2: {
      for (let i = r.logInt(20); i > 0; i--) {
        const p = r.int(text.length + 1);
        text = r.chance(0.6) ? text.slice(0, p) + r.pick(SHELL_TOKENS) + text.slice(p) : mutateOnce(r, text);
      }
      gen += 'mutate';
      break;
    }
    case 3: { // deep nesting of expansions / YAML / quotes
      const n = r.pick([10, 100, 1000, 10000]);
      const kind = r.int(6);
      const deep = [`\${X:-`.repeat(n) + 'q' + '}'.repeat(n), '$('.repeat(n) + ')'.repeat(n), '"'.repeat(n), '[' .repeat(n) + ']'.repeat(n),
        Array.from({ length: Math.min(n, 2000) }, (_, i) => ' '.repeat(i) + 'a:\n').join(''), '\\\n'.repeat(n)][kind];
      text = kind >= 3 ? `${deep}\ncommand: celery -A p worker -Q ${deep.slice(0, 1000)}\n` : `worker: celery -A proj worker -Q ${deep}\n`;
      gen += `nested${kind}`;
      break;
    }
    case 4: { // many lines / many workers
      const n = r.pick([10, 100, 1000]);
      text = Array.from({ length: n }, (_, i) => tmpl.split('\n')[i % tmpl.split('\n').length].replace(/-Q (\S+)/, `-Q q${i},$1`)).join('\n');
      gen += 'many';
      break;
    }
    default: text = randomText(r, r.logInt(2000)).replace(/\n?$/, '\ncelery worker -Q x\n'); gen += 'random';
  }
  if (r.chance(0.1)) { text = corruptBytes(r, text); gen += '/utf8'; }
  const files = [{ path: S(name), text }];
  // Recursive variables / billion laughs for the YAML and Makefile readers.
  if (r.chance(0.05)) {
    files.push({ path: S('Makefile'), text: 'A = $(B)\nB = $(A)\nC = $(C) $(C)\nQ ?= $(Q)\nw:\n\tcelery -A p worker -Q $(A)$(C)$(Q)\n' });
    files.push({ path: S('bomb.yml'), text: 'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\ncommand: celery worker -Q x\n' });
    gen += '/recursive';
  }
  return { gen, files };
}

/** Huge inputs (over 1 MB: the 10 s budget; over the max file size, 2 MB: skipped with a note). */
function huge(r: Rng, which: number): { gen: string; files?: FuzzInput['files']; disk?: FuzzInput['disk']; maxFileSize?: number } {
  const N = 100_000;
  switch (which) {
    case 0: return { gen: 'huge/task_routes-100k', files: [{ path: S('proj/celery.py'), text: APP_HEAD + 'app.conf.task_routes = {' + Array.from({ length: N }, (_, i) => `'t${i}':'q${i % 97}'`).join(',') + '}\n' }] };
    case 1: return { gen: 'huge/task_queues-100k', files: [{ path: S('proj/celery.py'), text: APP_HEAD + 'app.conf.task_queues = [' + Array.from({ length: N }, (_, i) => `Queue('q${i}')`).join(',') + ']\n' }] };
    case 2: return { gen: 'huge/glob-routes-100k', files: [{ path: S('proj/celery.py'), text: APP_HEAD + 'app.conf.task_routes = [{' + Array.from({ length: N }, (_, i) => `'t${i}.*':'q'`).join(',') + "}, {re.compile(r'(a+)+$'): 'q'}]\n" + Array.from({ length: 100 }, (_, i) => `@app.task\ndef t${i}(): pass\n`).join('') }] };
    case 3: {
      const n = KNOWN.has('huge/tasks-10k') ? 1_000 : 10_000;
      return { gen: `huge/tasks-${n / 1000}k`, files: [{ path: S('proj/tasks.py'), text: APP_HEAD + Array.from({ length: n }, (_, i) => `@app.task(queue='q${i % 50}')\ndef t${i}(a, b=1, *c, d, **e): pass\nt${i}.delay(1, d=2)\n`).join('') }] };
    }
    case 4: {
      const s = r.pick(['x', 'é', '\\x00', "\\'", '{', '😀']);
      const text = APP_HEAD + `task_default_queue = '${s.repeat(Math.ceil((10 * MB) / s.length))}'\napp.conf.task_routes = {'a': task_default_queue}\n`;
      return { gen: 'huge/giant-string-10MB', files: [{ path: S('proj/celery.py'), text }] };
    }
    case 5: {
      // A 10 MB file on disk: skipped by the size check, with a note.
      const base = corpus().flatMap((g) => g.files).filter((f) => f.path.endsWith('.py')).reduce((a, b) => (b.text.length > a.length ? b.text : a), '');
      return { gen: 'huge/file-10MB-disk', disk: [{ path: S('proj/big.py'), text: base.repeat(Math.ceil((10 * MB) / Math.max(1, base.length))) }], files: [{ path: S('proj/celery.py'), text: APP_HEAD + 'from proj.big import *\n' }] };
    }
    case 6: {
      // 10 MB of code in memory (an open editor buffer): skipped too.
      if (KNOWN.has('huge/file-10MB-memory')) return huge(r, 7);
      const lines = corpus().flatMap((g) => g.files.filter((f) => f.path.endsWith('.py')).map((f) => f.text)).join('\n');
      return { gen: 'huge/file-10MB-memory', files: [{ path: S('proj/celery.py'), text: lines.repeat(Math.ceil((10 * MB) / lines.length)).slice(0, 10 * MB) }] };
    }
    case 7: {
      const line = r.pick([() => `X = [${'1, '.repeat(400_000)}]`, () => `# ${'x'.repeat(MB)}`, () => `x = 1${'; x = 1'.repeat(150_000)}`, () => `R = {${Array.from({ length: 100_000 }, (_, i) => `'t${i}': 'q'`).join(', ')}}`])();
      return { gen: 'huge/long-line-1MB', files: [{ path: S('proj/celery.py'), text: APP_HEAD + line + '\napp.conf.task_routes = R if 0 else {}\n' }] };
    }
    case 8: return { gen: 'huge/Procfile-100k', files: [{ path: S('Procfile'), text: Array.from({ length: N }, (_, i) => `w${i}: celery -A proj worker -Q q${i} -n w${i}@%h`).join('\n') }, { path: S('proj/celery.py'), text: APP_HEAD }] };
    default: {
      // 10 MB of random bytes decoded with replacement, on disk; 200 KB of them in memory.
      const b = Buffer.alloc(10 * MB);
      for (let i = 0; i < b.length; i += 4) b.writeUInt32LE((r.next() * 4294967296) >>> 0, i);
      return { gen: 'huge/random-bytes-10MB', disk: [{ path: S('proj/bytes.py'), text: b.toString('utf8') }], files: [{ path: S('proj/celery.py'), text: b.subarray(0, 200_000).toString('utf8') }] };
    }
  }
}
const HUGE_KINDS = 10;

const RANDOM_TASK_NAMES = ['', '.', '*', '**', 'a.*', '[', '(', '\\', 'proj.tasks.add', 'x'.repeat(10_000), 'é.ü', '\0', 'celery.chord_unlock', 'a.b.c.d.e.f', '🙂'];

export interface GenConfig { seed: number; long: boolean }

/** Huge inputs come first in every period (one of each kind): once in a CI run, every 10,000 inputs in a long run. */
function heavyPeriod(long: boolean): number { return long ? 10_000 : 20_000; }

/** Inputs of the systematic prefix sweep (long mode): every prefix length of every corpus file. */
let sweepTotal: number | undefined;
function sweepSize(): number {
  sweepTotal ??= corpusFiles().reduce((n, f) => n + f.file.text.length + 1, 0);
  return sweepTotal;
}

/** A long chain of method calls (`).m(` links), which the open 2^n evaluator bug (KNOWN 'nested/chain') hangs on. */
const LONG_CHAIN = /(?:\)\s*\.\s*[A-Za-z_]\w*\s*\([^()]*){12,}/;

/** An input that would only hit an open KNOWN bug (random edits can build one). */
function hitsKnown(inp: FuzzInput): boolean {
  return KNOWN.has('nested/chain') && inp.files.some((f) => f.text.length < 5 * MB && LONG_CHAIN.test(f.text));
}

export function generate(cfg: GenConfig, index: number): FuzzInput {
  const r = inputRng(cfg.seed, index);
  // Deterministic: the same rng draws again while the input only reproduces a known open bug.
  for (let attempt = 0; ; attempt++) {
    const inp = generateWith(cfg, index, r);
    if (attempt >= 20 || !hitsKnown(inp)) return inp;
  }
}

function generateWith(cfg: GenConfig, index: number, r: Rng): FuzzInput {
  const groups = corpus();
  const period = heavyPeriod(cfg.long);
  const slot = index % period;
  const mk = (gen: string, rest: Partial<FuzzInput>): FuzzInput => {
    const inp: FuzzInput = { index, gen, root: SYNTH_ROOT, files: [], budget: 0, ...rest };
    inp.budget = budgetFor(inp);
    if (r.chance(0.3)) inp.sends = [...(inp.sends ?? []), ...Array.from({ length: r.logInt(4) }, () => ({ task: r.pick(RANDOM_TASK_NAMES), options: randomOptions(r), via: r.pick(['apply_async', 'send_task'] as const) }))];
    return inp;
  };
  if (slot < HUGE_KINDS) {
    const h = huge(r, slot);
    return mk(h.gen, { files: h.files ?? [], disk: h.disk, maxFileSize: h.maxFileSize });
  }
  // Long mode starts with the prefix sweep over the corpus.
  if (cfg.long && index < sweepSize()) {
    let k = index;
    for (const { group, file } of corpusFiles()) {
      // Alone; every 10th prefix inside its whole project.
      if (k <= file.text.length) return mk('truncate/sweep', { root: group.root, base: k % 10 === 0 ? group.key : undefined, files: [{ path: file.path, text: file.text.slice(0, k) }], sends: k % 10 === 0 ? group.calls : undefined });
      k -= file.text.length + 1;
    }
  }
  const group = r.pick(groups);
  const file = r.pick(group.files);
  const roll = r.int(100);
  // One in five edits is analysed inside its whole project (slow: every send is routed); the others alone.
  const inGroup = r.chance(0.2);
  const mk2 = (gen: string, rest: Partial<FuzzInput>) => mk(inGroup ? `${gen}+project` : gen, inGroup ? rest : { ...rest, base: undefined, sends: undefined });
  if (roll < 18) return mk2('truncate', { root: group.root, base: group.key, files: [{ path: file.path, text: file.text.slice(0, r.int(file.text.length + 1)) }], sends: group.calls });
  if (roll < 48) {
    const files = [{ path: file.path, text: mutate(r, file.text) }];
    if (r.chance(0.2)) { const other = r.pick(group.files); if (other !== file) files.push({ path: other.path, text: mutate(r, other.text) }); }
    return mk2('mutate', { root: group.root, base: group.key, files, sends: group.calls });
  }
  if (roll < 52) {
    // Splice: the start of one file, the end of another.
    const other = r.pick(r.pick(groups).files);
    return mk2('splice', { root: group.root, base: group.key, files: [{ path: file.path, text: file.text.slice(0, r.int(file.text.length + 1)) + other.text.slice(r.int(other.text.length + 1)) }], sends: group.calls });
  }
  if (roll < 58) return mk2('bytes/utf8', { root: group.root, base: group.key, files: [{ path: file.path, text: corruptBytes(r, file.text) }], sends: group.calls });
  if (roll < 61) {
    // NUL bytes, control characters, BOMs, CR-only line ends.
    let t = file.text;
    const v = r.int(4);
    if (v === 0) t = t.replace(/\n/g, () => (r.chance(0.5) ? '\r' : '\n'));
    else if (v === 1) t = '\ufeff' + t.replace(/ /g, () => (r.chance(0.1) ? '\0' : ' '));
    else if (v === 2) t = t.split('').map((c) => (r.chance(0.02) ? String.fromCharCode(r.int(32)) : c)).join('');
    else t = '\0'.repeat(r.logInt(100_000)) + t;
    return mk2(`bytes/control${v}`, { root: group.root, base: group.key, files: [{ path: file.path, text: t }], sends: group.calls });
  }
  if (roll < 64) {
    const n = r.logInt(4) * 1000;
    const bytes = Buffer.alloc(n);
    for (let i = 0; i < n; i++) bytes[i] = r.chance(0.7) ? 32 + r.int(95) : r.int(256);
    return mk('bytes/random', { files: [{ path: S('proj/celery.py'), text: bytes.toString('utf8') }] });
  }
  if (roll < 72) { const g = nested(r); return mk(g.gen, { files: [{ path: S('proj/celery.py'), text: g.text }] }); }
  if (roll < 78) { const g = selfRef(r)!; return mk(g.gen, { files: [{ path: S('proj/celeryconfig.py'), text: g.text }, { path: S('proj/celery.py'), text: APP_HEAD + "app.config_from_object('proj.celeryconfig')\nfrom proj.celeryconfig import *\n" }] }); }
  if (roll < 84) { const g = imports(r); return mk(g.gen, { files: g.files }); }
  if (roll < 96) { const g = workerFile(r); return mk(g.gen, { files: g.files }); }
  {
    // Long lines (up to 200 KB here; the 1 MB ones are heavy inputs).
    const n = r.logInt(200_000);
    const t = file.text.replace(/\n/, (m) => ' ' + 'x = 1; '.repeat(Math.ceil(n / 7)) + m);
    return mk2('long-line', { root: group.root, base: group.key, files: [{ path: file.path, text: r.chance(0.5) ? t : `X = '${'a'.repeat(n)}'\n` + file.text }], sends: group.calls });
  }
}

function randomOptions(r: Rng): RouteOptions | undefined {
  if (r.chance(0.5)) return undefined;
  const o: RouteOptions = {};
  if (r.chance(0.5)) o.queue = r.pick(['q', '', 'celery', 'x'.repeat(1000), null]);
  if (r.chance(0.3)) o.exchange = r.pick(['e', '', 'celery', null]);
  if (r.chance(0.3)) o.routing_key = r.pick(['k', '#', '*.*', '', null]);
  if (r.chance(0.2)) o.priority = r.pick([0, 9, 255, -1, 1e308, NaN, null]);
  if (r.chance(0.1)) o.exchange_type = r.pick(['topic', 'fanout', 'headers', 'bogus', null]);
  return o;
}

// ------------------------------------------------------------------------------------------------ analysis

export type FindingKind = 'crash' | 'fatal' | 'hang' | 'swallowed' | 'invariant';

export interface Finding {
  kind: FindingKind;
  seed: number;
  index: number;
  gen: string;
  message: string;
  stack?: string;
  ms?: number;
  /** The saved reproduction. */
  file?: string;
}

interface Engine {
  parser: Parser;
  readers: Record<string, (doc: Doc) => unknown>;
  bases: Map<string, ProjectT>;
  tmp: string;
}

export async function loadEngine(): Promise<Engine> {
  const readers: Engine['readers'] = {
    procfile: procfileWorkers, yaml: yamlWorkers, systemd: systemdWorkers, supervisor: supervisorWorkers,
    shell: shellWorkers, makefile: makefileWorkers, dockerfile: dockerfileWorkers, pyproject: pyprojectWorkers,
  };
  ensureSynthRoot();
  const tmp = path.join(tmpdir(), 'celery-routing-fuzz', `disk-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  return { parser: await pythonParser(), readers, bases: new Map(), tmp };
}

/** The group's project, every corpus file loaded from memory (cached; inputs replace files and restore them). */
function baseProject(eng: Engine, key: string): ProjectT {
  let p = eng.bases.get(key);
  if (!p) {
    const g = corpus().find((x) => x.key === key)!;
    p = new Project(g.root, eng.parser);
    for (const f of g.files) p.updateFile(f.path, f.text);
    eng.bases.set(key, p);
  }
  return p;
}

/**
 * Run one input through every entry point. Throws on a crash (the exception that escaped); returns the
 * swallowed / invariant problems found.
 */
export function analyze(eng: Engine, inp: FuzzInput): Array<{ kind: FindingKind; message: string; stack?: string }> {
  const problems: Array<{ kind: FindingKind; message: string; stack?: string }> = [];
  // Worker readers directly (extractWorkers swallows their exceptions), with extractWorkers' preconditions.
  for (const f of inp.files) {
    const kind = workers.workerFileKind(f.path);
    if (!kind) continue;
    workers.extractWorkers(f.path, f.text);
    const text = f.text.length > MAX_TEXT ? f.text.slice(0, MAX_TEXT) : f.text;
    if (text.includes('\0') || !workers.mightContainWorker(text)) continue;
    try {
      eng.readers[kind](new Doc(f.path, text));
    } catch (err) {
      problems.push({ kind: 'swallowed', message: `${kind} reader: ${errText(err)}`, stack: (err as Error)?.stack });
    }
  }
  const base = inp.base ? baseProject(eng, inp.base) : undefined;
  const p = base ?? new Project(inp.root, eng.parser, { maxFileSize: inp.maxFileSize });
  const originals = base ? corpus().find((g) => g.key === inp.base)!.files : [];
  let ok = false;
  try {
    for (const f of inp.files) {
      const before = p.skipped.length;
      p.updateFile(f.path, f.text);
      const limit = p.options.maxFileSize ?? 2 * MB;
      if (!KNOWN.has('invariant/in-memory-max-file-size') && Buffer.byteLength(f.text) > limit && !p.skipped.slice(before).some((x) => x.file === f.path && x.reason)) {
        problems.push({ kind: 'invariant', message: `${path.basename(f.path)} given in memory (${Buffer.byteLength(f.text)} bytes, limit ${limit}) was not skipped with a note` });
      }
    }
    for (const f of inp.disk ?? []) {
      const file = path.join(eng.tmp, path.relative(SYNTH_ROOT, f.path));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, f.text);
      const before = p.skipped.length;
      p.updateFile(file);
      const limit = p.options.maxFileSize ?? 2 * MB;
      if (Buffer.byteLength(f.text) > limit && !p.skipped.slice(before).some((s) => s.file === file && s.reason)) {
        problems.push({ kind: 'invariant', message: `${path.basename(file)} (${Buffer.byteLength(f.text)} bytes, limit ${limit}) was not skipped with a note` });
      }
    }
    exercise(p, inp, problems);
    ok = true;
  } finally {
    if (base) {
      // Put the group back; a failure here drops the cached project.
      try {
        for (const f of inp.files) {
          const orig = originals.find((o) => o.path === f.path);
          if (orig) p.updateFile(f.path, orig.text); else p.removeFile(f.path);
        }
      } catch {
        eng.bases.delete(inp.base!);
      }
      if (!ok) eng.bases.delete(inp.base!);
    }
  }
  return problems;
}

function exercise(p: ProjectT, inp: FuzzInput, problems: Array<{ kind: FindingKind; message: string; stack?: string }>): void {
  const apps = p.apps;
  for (const a of apps) void a.config.routes;
  const tasks = p.tasks;
  const calls = p.calls;
  void p.workers;
  for (const t of tasks.slice(0, 10)) p.route({ task: t.name });
  for (const c of calls.slice(0, 10)) p.routeCall(c);
  for (const s of inp.sends ?? []) p.route({ task: s.task, options: s.options, via: s.via });
  for (const a of apps.slice(0, 3)) p.route({ task: 'fuzz.unknown', app: a.id });
  analysis(p);
  for (const d of computeDiagnostics(p)) {
    if (d.code === 'internal-error') problems.push({ kind: 'swallowed', message: `diagnostics: ${d.message}` });
  }
  for (const m of p.ws.modules.keys()) {
    const e = p.ws.eval.module(m)?.env.get('__error__');
    if (e?.kind === 'unknown') problems.push({ kind: 'swallowed', message: `evaluator (${m}): ${e.reason}` });
  }
}

function errText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}

/** A finding's identity for minimization: kind, error type and message without numbers, first own frame. */
function signature(kind: string, message: string, stack?: string): string {
  const frame = (stack ?? '').split('\n').find((l) => /server\/src\//.test(l))?.replace(/:\d+:\d+\)?$/, '').trim() ?? '';
  return `${kind}|${message.replace(/\d+/g, 'N').slice(0, 120)}|${frame}`;
}

/** Outcome of one run of an input, as a signature list (for the minimizer). */
function outcome(eng: Engine, inp: FuzzInput): string[] {
  try {
    return analyze(eng, inp).map((p) => signature(p.kind, p.message, p.stack));
  } catch (err) {
    return [signature('crash', errText(err), (err as Error)?.stack)];
  }
}

/** Delta debugging over files, lines, then characters, while the finding still reproduces. */
export function minimize(eng: Engine, inp: FuzzInput, sig: string, budgetMs = 20_000): FuzzInput {
  const t0 = Date.now();
  const still = (c: FuzzInput) => Date.now() - t0 < budgetMs && outcome(eng, c).includes(sig);
  let cur: FuzzInput = { ...inp, files: inp.files.map((f) => ({ ...f })), disk: inp.disk };
  if (cur.sends?.length) { const c = { ...cur, sends: undefined }; if (still(c)) cur = c; }
  if (cur.base) { const c = { ...cur, base: undefined, root: cur.root }; if (still(c)) cur = c; }
  for (let i = cur.files.length - 1; i >= 0 && cur.files.length > 1; i--) {
    const c = { ...cur, files: cur.files.filter((_, j) => j !== i) };
    if (still(c)) cur = c;
  }
  for (let fi = 0; fi < cur.files.length; fi++) {
    for (const unit of ['\n', ''] as const) {
      let parts = unit === '\n' ? cur.files[fi].text.split(/(?<=\n)/) : [...cur.files[fi].text];
      if (unit === '' && parts.length > 20_000) continue;
      let chunk = Math.max(1, parts.length >> 1);
      while (chunk >= 1 && Date.now() - t0 < budgetMs) {
        let removed = false;
        for (let s = 0; s < parts.length; s += chunk) {
          const trial = parts.slice(0, s).concat(parts.slice(s + chunk));
          const files = cur.files.map((f, j) => (j === fi ? { ...f, text: trial.join('') } : f));
          const c = { ...cur, files };
          if (still(c)) { parts = trial; cur = c; removed = true; s -= chunk; }
        }
        if (!removed) { if (chunk === 1) break; chunk >>= 1; }
      }
    }
  }
  return cur;
}

// ------------------------------------------------------------------------------------------------ saving

function saveRepro(f: Finding, input: FuzzInput, original?: FuzzInput): string {
  mkdirSync(CRASH_DIR, { recursive: true });
  const name = `${f.kind}-${f.gen.replace(/[^A-Za-z0-9_-]+/g, '_')}-${f.seed}-${f.index}.json`;
  const file = path.join(CRASH_DIR, name);
  const big = (i: FuzzInput) => sizeOf(i) > 4 * MB;
  writeFileSync(file, JSON.stringify({
    finding: { kind: f.kind, message: f.message, stack: f.stack, ms: f.ms, gen: f.gen, seed: f.seed, index: f.index },
    reproduce: `node --import tsx test/fuzz/fuzz.ts --repro ${path.relative(REPO, file)}`,
    regenerate: `node --import tsx test/fuzz/fuzz.ts --show ${f.index} --seed ${f.seed}${f.gen.startsWith('truncate/sweep') ? ' --long' : ''}`,
    originalSize: original ? sizeOf(original) : undefined,
    // Huge inputs are regenerated from (seed, index) rather than stored.
    input: big(input) ? { ...input, files: [], disk: [], note: 'over 4 MB: regenerate with the command above' } : input,
  }, null, 1));
  return file;
}

// ------------------------------------------------------------------------------------------------ child

interface ChildConfig { seed: number; long: boolean; start: number; end: number; stride: number; deadline: number; progress: string; crashDir: string }

interface Batch {
  type: 'batch';
  done: number;
  last: number;
  byGen: Record<string, [number, number]>;
  slow: Array<{ index: number; gen: string; ms: number; bytes: number }>;
  findings: Finding[];
}

/** CPU milliseconds the calibration input takes on the machine the budgets were set on (2 cores, Node 20, two fuzz jobs at once). */
const CALIBRATION_REF_MS = 320;

/** How much slower than the reference machine this one is (1 to 4): the budgets scale by it, so a slower CI
 * machine does not turn a linear input into a "hang", while a superlinear one (×10 and more) still is. The
 * calibration input is a 1,000-task module, run three times; the fastest counts. */
function machineFactor(eng: Engine): { factor: number; ms: number } {
  const text = APP_HEAD + Array.from({ length: 1_000 }, (_, i) => `@app.task(queue='q${i % 50}')\ndef t${i}(a, b=1, *c, d, **e): pass\nt${i}.delay(1, d=2)\n`).join('');
  const inp: FuzzInput = { index: -1, gen: 'calibration', root: SYNTH_ROOT, files: [{ path: S('proj/tasks.py'), text }], budget: 0 };
  let best = Infinity;
  for (let k = 0; k < 4; k++) { // the first run warms the JIT up
    const c0 = process.cpuUsage();
    analyze(eng, inp);
    const c1 = process.cpuUsage(c0);
    if (k) best = Math.min(best, (c1.user + c1.system) / 1000);
  }
  eng.bases.clear();
  return { factor: Math.min(4, Math.max(1, best / CALIBRATION_REF_MS)), ms: best };
}

async function child(cfg: ChildConfig): Promise<void> {
  const eng = await loadEngine();
  const factor = machineFactor(eng);
  process.send!({ type: 'factor', ...factor });
  const { factor: scale } = factor;
  const gc: GenConfig = { seed: cfg.seed, long: cfg.long };
  const fd = openSync(cfg.progress, 'r+');
  const rec = Buffer.alloc(24);
  let batch: Batch = { type: 'batch', done: 0, last: cfg.start - cfg.stride, byGen: {}, slow: [], findings: [] };
  let lastSend = Date.now();
  const flush = () => {
    process.send!(batch);
    batch = { type: 'batch', done: 0, last: batch.last, byGen: {}, slow: [], findings: [] };
    lastSend = Date.now();
  };
  const savedBySig = new Map<string, string>();
  for (let i = cfg.start; i < cfg.end && Date.now() < cfg.deadline; i += cfg.stride) {
    const inp = generate(gc, i);
    inp.budget *= scale;
    rec.writeDoubleLE(i, 0);
    rec.writeDoubleLE(Date.now(), 8);
    rec.writeDoubleLE(inp.budget, 16);
    writeSync(fd, rec, 0, 24, 0);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let problems: ReturnType<typeof analyze> = [];
    let crash: unknown;
    try { problems = analyze(eng, inp); } catch (err) { crash = err ?? new Error('undefined thrown'); }
    const ms = performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    // CPU time, not wall time, decides (other processes on a loaded machine must not make hangs).
    const cpu = (c1.user + c1.system) / 1000;
    const g = (batch.byGen[inp.gen] ??= [0, 0]);
    g[0]++; g[1] += ms;
    batch.done++;
    batch.last = i;
    batch.slow.push({ index: i, gen: inp.gen, ms, bytes: sizeOf(inp) });
    if (batch.slow.length > 40) { batch.slow.sort((a, b) => b.ms - a.ms); batch.slow.length = 10; }
    const found: Array<{ kind: FindingKind; message: string; stack?: string }> = [...problems];
    if (crash !== undefined) found.unshift({ kind: 'crash', message: errText(crash), stack: (crash as Error)?.stack });
    if (ms > inp.budget && cpu > inp.budget) found.push({ kind: 'hang', message: `took ${ms.toFixed(0)} ms, ${cpu.toFixed(0)} ms of CPU (budget ${inp.budget.toFixed(0)} ms = ${(inp.budget / scale).toFixed(0)} ms × machine factor ${scale.toFixed(2)}, ${sizeOf(inp)} chars)` });
    const seen = new Set<string>();
    for (const p of found) {
      const sig = signature(p.kind, p.message, p.stack);
      if (seen.has(sig)) continue;
      seen.add(sig);
      const f: Finding = { kind: p.kind, seed: cfg.seed, index: i, gen: inp.gen, message: p.message, stack: p.stack, ms };
      // One reproduction per signature (the first input, minimized); repeats point to it.
      const saved = savedBySig.get(sig);
      if (saved) f.file = saved;
      else {
        let small = inp;
        if (p.kind === 'crash' || p.kind === 'swallowed') {
          try { small = minimize(eng, inp, sig, 10_000); } catch { /* keep the original */ }
          eng.bases.clear();
        }
        f.file = saveRepro(f, small, inp);
        savedBySig.set(sig, f.file);
      }
      batch.findings.push(f);
    }
    if (batch.findings.length || Date.now() - lastSend > 500) flush();
  }
  flush();
  closeSync(fd);
  rmSync(eng.tmp, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------------ runner

export interface FuzzOptions {
  seed?: number;
  /** Stop after this many inputs... */
  count?: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds?: number;
  long?: boolean;
  jobs?: number;
  /** Kill a child stuck this long on one input (default: max(30 s, 3 × the input's budget)). */
  killAfterMs?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  seconds: number;
  rate: number;
  findings: Finding[];
  crashes: Finding[];
  hangs: Finding[];
  swallowed: Finding[];
  invariants: Finding[];
  slowest: Array<{ index: number; gen: string; ms: number; bytes: number }>;
  byGen: Record<string, { n: number; ms: number }>;
  known: string[];
}

export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = (opts.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const long = !!opts.long;
  const count = opts.count ?? Number.MAX_SAFE_INTEGER;
  const seconds = opts.seconds ?? (opts.count ? 3600 : 60);
  const jobs = Math.max(1, opts.jobs ?? 1);
  const log = opts.log ?? ((l: string) => console.log(l));
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  const findings: Finding[] = [];
  const byGen: FuzzReport['byGen'] = {};
  let slowest: FuzzReport['slowest'] = [];
  let factorLogged = false;
  let inputs = 0;
  const dir = path.join(tmpdir(), 'celery-routing-fuzz');
  mkdirSync(dir, { recursive: true });
  log(`fuzz: seed ${seed}${long ? ' (long)' : ''}, ${count < Number.MAX_SAFE_INTEGER ? `${count} inputs or ` : ''}${seconds} s, ${jobs} job(s)`);
  if (KNOWN.size) log(`fuzz: known open bugs, not generated: ${[...KNOWN].join(', ')}`);

  const onFinding = (f: Finding) => {
    findings.push(f);
    log(`fuzz: ${f.kind.toUpperCase()} #${f.index} ${f.gen}: ${f.message}${f.file ? `\n      reproduction: ${path.relative(process.cwd(), f.file)}` : ''}`);
  };

  const runJob = (j: number) => new Promise<void>((resolveJob) => {
    // Job j takes inputs j, j + jobs, ...; a child that dies is replaced, resuming after the input that killed it.
    const end = count; // indices [0, count)
    const progress = path.join(dir, `progress-${process.pid}-${j}`);
    const startChild = (start: number) => {
      if (start >= end || Date.now() >= deadline) { rmSync(progress, { force: true }); resolveJob(); return; }
      writeFileSync(progress, Buffer.alloc(24));
      const cfg: ChildConfig = { seed, long, start, end, stride: jobs, deadline, progress, crashDir: CRASH_DIR };
      const c: ChildProcess = fork(__filename, ['--child', JSON.stringify(cfg)], {
        execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      let stderr = '';
      c.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      let last = start - jobs;
      let killedFor: { index: number; ms: number } | undefined;
      c.on('message', (m: Batch | { type: 'factor'; factor: number; ms: number }) => {
        if (m.type === 'factor') { if (!factorLogged) log(`machine factor ${m.factor.toFixed(2)} (calibration ${m.ms.toFixed(0)} ms of CPU) (budgets × that; 1 = the reference machine)`); factorLogged = true; return; }
        inputs += m.done;
        last = m.last;
        for (const [g, [n, ms]] of Object.entries(m.byGen)) { const e = (byGen[g] ??= { n: 0, ms: 0 }); e.n += n; e.ms += ms; }
        slowest = [...slowest, ...m.slow].sort((a, b) => b.ms - a.ms).slice(0, 10);
        for (const f of m.findings) onFinding(f);
      });
      const readProgress = () => {
        const b = Buffer.alloc(24);
        try { const fd = openSync(progress, 'r'); readSync(fd, b, 0, 24, 0); closeSync(fd); } catch { /* gone */ }
        return { index: b.readDoubleLE(0), started: b.readDoubleLE(8), budget: b.readDoubleLE(16) };
      };
      const watch = setInterval(() => {
        const p = readProgress();
        if (!p.started) return;
        const limit = opts.killAfterMs ?? Math.max(30_000, 3 * p.budget);
        const ms = Date.now() - p.started;
        if (ms > limit && p.index > last) { killedFor = { index: p.index, ms }; c.kill('SIGKILL'); }
      }, 250);
      c.on('exit', (code, signal) => {
        clearInterval(watch);
        rmSync(path.join(dir, `disk-${c.pid}`), { recursive: true, force: true });
        if (code === 0 && !killedFor) { rmSync(progress, { force: true }); resolveJob(); return; }
        const p = readProgress();
        const index = killedFor?.index ?? (p.started ? p.index : start);
        const inp = generate({ seed, long }, index);
        inputs += Math.max(0, Math.round((index - last) / jobs));
        const f: Finding = killedFor
          ? { kind: 'hang', seed, index, gen: inp.gen, message: `no answer after ${killedFor.ms} ms: killed`, ms: killedFor.ms }
          : { kind: 'fatal', seed, index, gen: inp.gen, message: `the process died (${signal ?? `exit code ${code}`}): ${stderr.split('\n').filter((l) => l.trim()).slice(0, 4).join(' | ').slice(0, 600)}`, stack: stderr };
        f.file = saveRepro(f, inp);
        onFinding(f);
        startChild(index + jobs);
      });
    };
    startChild(j);
  });

  await Promise.all(Array.from({ length: jobs }, (_, j) => runJob(j)));
  const secs = (Date.now() - t0) / 1000;
  const rep: FuzzReport = {
    seed, inputs, seconds: secs, rate: inputs / secs, findings,
    crashes: findings.filter((f) => f.kind === 'crash' || f.kind === 'fatal'),
    hangs: findings.filter((f) => f.kind === 'hang'),
    swallowed: findings.filter((f) => f.kind === 'swallowed'),
    invariants: findings.filter((f) => f.kind === 'invariant'),
    slowest, byGen, known: [...KNOWN],
  };
  log(summary(rep));
  return rep;
}

export function summary(r: FuzzReport): string {
  const lines = [
    `fuzz: seed ${r.seed}: ${r.inputs} inputs in ${r.seconds.toFixed(1)} s (${r.rate.toFixed(0)} inputs/s); ` +
      `${r.crashes.length} crashes, ${r.hangs.length} hangs, ${r.swallowed.length} swallowed exceptions, ${r.invariants.length} invariant failures`,
    'slowest inputs:',
    ...r.slowest.map((s) => `  ${s.ms.toFixed(0).padStart(6)} ms  #${s.index} ${s.gen} (${s.bytes} chars)`),
    'by generator (inputs, mean ms):',
    ...Object.entries(r.byGen).sort((a, b) => a[0].localeCompare(b[0])).map(([g, e]) => `  ${g.padEnd(34)} ${String(e.n).padStart(7)} ${(e.ms / e.n).toFixed(2).padStart(8)}`),
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------------ CLI

async function repro(file: string): Promise<void> {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { finding: Finding; input: FuzzInput };
  let inp = saved.input;
  if (!inp.files.length && !(inp.disk ?? []).length) inp = generate({ seed: saved.finding.seed, long: saved.finding.gen.startsWith('truncate/sweep') }, saved.finding.index);
  console.log(`${saved.finding.kind} ${saved.finding.gen}: ${saved.finding.message}`);
  for (const f of inp.files) console.log(`--- ${f.path} (${f.text.length} chars)\n${f.text.length < 4000 ? f.text : f.text.slice(0, 2000) + '\n[...]'}`);
  const eng = await loadEngine();
  const t0 = performance.now();
  try {
    const problems = analyze(eng, inp);
    console.log(`no crash (${(performance.now() - t0).toFixed(0)} ms)`, problems.length ? problems : '');
  } catch (err) {
    console.log(`crash after ${(performance.now() - t0).toFixed(0)} ms:`, err);
    process.exitCode = 1;
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    child(JSON.parse(process.argv[3]) as ChildConfig).catch((err) => { console.error(err); process.exit(70); });
  } else if (arg('--repro')) {
    void repro(arg('--repro')!);
  } else if (arg('--show')) {
    const inp = generate({ seed: Number(arg('--seed') ?? 1), long: process.argv.includes('--long') }, Number(arg('--show')));
    console.log(JSON.stringify({ ...inp, files: inp.files.map((f) => ({ path: f.path, text: f.text.length > 5000 ? `${f.text.slice(0, 5000)}[... ${f.text.length} chars]` : f.text })) }, null, 1));
  } else {
    const long = process.argv.includes('--long');
    const seconds = Number(arg('--seconds') ?? (long ? 600 : 60));
    const count = arg('--count') ? Number(arg('--count')) : undefined;
    const seed = arg('--seed') !== undefined ? Number(arg('--seed')) : undefined;
    const jobs = Number(arg('--jobs') ?? (long ? Math.max(1, Math.min(4, cpus().length)) : 1));
    runFuzz({ seed, seconds, count, long, jobs }).then((r) => {
      if (r.crashes.length || r.hangs.length || r.invariants.length) process.exitCode = 1;
    }).catch((err) => { console.error(err); process.exitCode = 2; });
  }
}
