/**
 * Interprets command lines (already split into words by `shellwords.ts`) the way Celery's command line
 * does: `celery [global options] worker [options]` (click, celery/bin/worker.py) and `celery multi start
 * <nodes> [options]` (celery/apps/multi.py: `-Q:w1 a` applies to node w1, `-Q:1-3` / `-Q:1,2` to nodes
 * by position, plain `-Q` to the others). Wrappers are looked through: `exec`, `sh -c "..."`, `watchmedo
 * auto_restart -- celery ...`, `python -m celery`, `poetry run`, `gosu user` etc.
 */
import type { Loc, WorkerFact } from '../../model/types';
import { tokenize, type TokenizeOptions, type Vars, type Word } from './shellwords';
import { type P, type Segment, locOf, spanLoc } from './source';

export interface Context {
  /** Worker name when the command has no `-n` (compose service, Procfile process type, program...). */
  name: string;
  /** Free text for `WorkerFact.runsOn`. */
  runsOn?: string;
  vars?: Vars;
  /** The words may be arguments of an entrypoint that is `celery` (compose/k8s `command: worker ...`). */
  implicitCelery?: boolean;
}

/** Cheap text test used before parsing a file. */
export function mightContainWorker(text: string): boolean {
  const t = text.length > 2_000_000 ? text.slice(0, 2_000_000) : text;
  if (/celery/i.test(t) && /\b(?:worker|multi)\b|celeryd|celery_?worker/.test(t)) return true;
  return /\bworker\b[\s\S]{0,200}?(?:-Q|--queues)\b/.test(t);
}

/** Workers started by a command line (shell syntax unless `opts.mode` is `word`). */
export function workersFromSegment(seg: Segment, ctx: Context, opts: TokenizeOptions = {}): WorkerFact[] {
  const vars = new Map(ctx.vars ?? []);
  return workersFromCommands(tokenize(seg, { ...opts, vars }), { ...ctx, vars });
}

export function workersFromCommands(cmds: Word[][], ctx: Context, depth = 0): WorkerFact[] {
  const out: WorkerFact[] = [];
  for (const c of cmds) out.push(...workersFromArgv(c, ctx, depth));
  return out;
}

const SHELL_WORDS = new Set(['exec', 'then', 'do', 'else', '!', 'time', '{', '}', 'nohup']);
/** Programs whose arguments mention a command without running it (`pkill -f "celery worker"`). */
const NOT_RUNNING = new Set(['echo', 'printf', 'grep', 'egrep', 'fgrep', 'pgrep', 'pkill', 'killall', 'kill', 'ps', 'cat', 'test', '[', '[[',
  'logger', 'sed', 'awk', 'tee', 'which', 'type', 'command', 'hash', 'alias', 'man', 'read', 'trap', 'wait']);

/** Workers started by one argv (simple command). A wrapper script's invocation (`bash x.sh -A proj worker -Q a`)
 * is one fact that names the script; the workers read from the arguments alone come with it, for when the
 * script is not in the workspace (an image's entrypoint). */
export function workersFromArgv(argv: Word[], ctx: Context, depth = 0): WorkerFact[] {
  try {
    let i0 = 0;
    while (i0 < argv.length && (argv[i0].assign || SHELL_WORDS.has(argv[i0].value))) i0++;
    if (i0 < argv.length && NOT_RUNNING.has(argv[i0].value.slice(argv[i0].value.lastIndexOf('/') + 1))) return [];
    const direct = directWorkers(argv, i0, ctx, depth);
    const command = direct.length ? undefined : managementCommand(argv, i0);
    if (command !== undefined) {
      return [{ name: ctx.name, command: commandText(argv.slice(i0)), loc: commandLoc(argv.slice(command)), ...(ctx.runsOn ? { runsOn: ctx.runsOn } : {}),
        viaCommand: { name: argv[command].value, args: argv.slice(command + 1).map((w) => w.value) } }];
    }
    const script = wrapperScript(argv, i0);
    if (script === undefined || !argv.slice(script + 1).some((w) => w.value === 'worker' || w.value === 'multi')) return direct;
    // placed at the arguments (compose: `entrypoint: ./entrypoint.sh` + `command: celery ... worker -Q ...`)
    return [{ name: ctx.name, command: commandText(argv.slice(i0)), loc: commandLoc(argv.slice(script + 1)), ...(ctx.runsOn ? { runsOn: ctx.runsOn } : {}),
      viaScript: { path: argv[script].value, args: argv.slice(script + 1).map((w) => w.value), direct } }];
  } catch {
    return [];
  }
}

function directWorkers(argv: Word[], i0: number, ctx: Context, depth: number): WorkerFact[] {
  const out: WorkerFact[] = [];
  for (let i = i0; i < argv.length; i++) {
    const w = argv[i];
    const prog = celeryProgram(w);
    if (prog) {
      const r = parseCelery(argv, i, i + 1, prog, ctx);
      if (r) return [...out, ...r];
      continue;
    }
    if (/^(?:.*\/)?python[0-9.]*$/.test(w.value)) {
      let j = i + 1;
      while (j < argv.length && argv[j].value.startsWith('-') && argv[j].value !== '-m') j++;
      if (argv[j]?.value === '-m' && argv[j + 1]?.value === 'celery') {
        const r = parseCelery(argv, i, j + 2, 'celery', ctx);
        if (r) return [...out, ...r];
      }
      continue;
    }
    if (depth < 4 && /\s/.test(w.value) && mightContainWorker(w.value)) {
      const vars = new Map(ctx.vars ?? []);
      const inner = tokenize({ text: w.value, pos: w.pos, end: w.end }, { vars });
      out.push(...workersFromCommands(inner, { ...ctx, vars, implicitCelery: false }, depth + 1));
    }
  }
  if (!out.length && ctx.implicitCelery && i0 < argv.length) {
    const first = argv[i0].value;
    if (first === 'worker' || first === 'multi' || (first.startsWith('-') && argv.some((w) => w.value === 'worker' || w.value === 'multi'))) {
      return parseCelery(argv, i0, i0, 'celery', ctx) ?? [];
    }
  }
  return out;
}

/** `manage.py celery_worker`, `hue runcelery worker ...`: a program's subcommand named after celery (not celery's
 * own programs) that starts a worker — a Django management command, read from its module (Project.workers). */
function managementCommand(argv: Word[], i0: number): number | undefined {
  for (let i = i0 + 1; i < argv.length; i++) {
    const a = argv[i].value;
    if (a.startsWith('-') || /(?:^|\/)(?:[\w.-]+\.py|django-admin)$/.test(a)) continue;
    if (!/^\w*celery\w*$/i.test(a) || /^celery(?:d|d-multi|beat|cam|ev)?$/.test(a) || argv[i].unresolved.length) return undefined;
    return /worker/i.test(a) || argv.slice(i + 1).some((w) => w.value === 'worker') ? i : undefined;
  }
  return undefined;
}

/** `bash x.sh ...`, `sh -e x.sh ...`, `./bin/x.sh ...`: the index of the script word. */
function wrapperScript(argv: Word[], i0: number): number | undefined {
  const first = argv[i0]?.value ?? '';
  if (/\.sh$/.test(first) && !argv[i0].unresolved.length) return i0;
  if (!/^(?:.*\/)?(?:ba|da|z)?sh$/.test(first)) return undefined;
  let j = i0 + 1;
  while (j < argv.length && /^-[a-z]+$/.test(argv[j].value)) j++;
  return j < argv.length && /\.sh$/.test(argv[j].value) && !argv[j].unresolved.length ? j : undefined;
}

type Prog = 'celery' | 'celeryd' | 'celeryd-multi';

function celeryProgram(w: Word): Prog | undefined {
  const base = w.value.slice(w.value.lastIndexOf('/') + 1);
  if (base === 'celery' || base === 'celeryd' || base === 'celeryd-multi') return base;
  if (w.unresolved.length && /^\S*CELERY[A-Z_]*(?:BIN|CMD|EXE|PROG)\S*$/i.test(w.value)) return 'celery';
  return undefined;
}

/** An option value: `text` is `word.value` from some offset. */
interface Val { text: string; pos: P[]; word: Word }
const val = (w: Word, k: number): Val => ({ text: w.value.slice(k), pos: w.pos.slice(k), word: w });

const SUBCOMMANDS = new Set(['worker', 'multi', 'beat', 'events', 'shell', 'inspect', 'control', 'status', 'purge', 'call', 'result',
  'migrate', 'graph', 'upgrade', 'report', 'amqp', 'list', 'logtool', 'flower', 'help']);

const GLOBAL_SHORT = new Set(['A', 'b']);
const GLOBAL_LONG = new Set(['app', 'broker', 'result-backend', 'loader', 'config', 'workdir']);
const WORKER_SHORT = new Set([...'nSlOcPQXIsfAb']);
const WORKER_LONG = new Set([...GLOBAL_LONG, 'hostname', 'statedb', 'loglevel', 'prefetch-multiplier', 'concurrency', 'pool',
  'time-limit', 'soft-time-limit', 'max-tasks-per-child', 'max-memory-per-child', 'queues', 'exclude-queues', 'include',
  'heartbeat-interval', 'autoscale', 'schedule-filename', 'schedule', 'scheduler', 'logfile', 'pidfile', 'uid', 'gid',
  'umask', 'executable']);
const KEYS: Record<string, Key> = { Q: 'queues', queues: 'queues', X: 'exclude', 'exclude-queues': 'exclude', n: 'hostname', hostname: 'hostname', A: 'app', app: 'app' };
type Key = 'queues' | 'exclude' | 'hostname' | 'app';

interface Parsed { values: Partial<Record<Key, Val>>; opaque: Word[]; next: number }

/**
 * click-style options from `argv[i]`: `--name=value`, `--name value`, `-Qa,b`, `-Q a,b`, `-DE`; a later
 * option replaces an earlier one (Celery's -Q is not `multiple=True`). Stops at the first positional
 * argument when `stop` (the subcommand), else at `--`.
 */
function clickOptions(argv: Word[], i: number, short: Set<string>, long: Set<string>, stop: boolean): Parsed {
  const values: Partial<Record<Key, Val>> = {};
  const opaque: Word[] = [];
  for (; i < argv.length; i++) {
    const w = argv[i], a = w.value;
    if (w.opaque) { opaque.push(w); continue }
    if (a === '--') { i = argv.length; break }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      let v: Val | undefined;
      if (eq >= 0) v = val(w, eq + 1);
      else if (long.has(name) && i + 1 < argv.length) v = val(argv[++i], 0);
      if (KEYS[name] && v) values[KEYS[name]] = v;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k];
        if (!short.has(c)) continue;
        let v: Val | undefined;
        if (k + 1 < a.length) v = val(w, k + 1);
        else if (i + 1 < argv.length) v = val(argv[++i], 0);
        if (KEYS[c] && v) values[KEYS[c]] = v;
        break;
      }
      continue;
    }
    if (stop) break;
  }
  return { values, opaque, next: i };
}

/** `argv[from]` is the program (or first argument when implicit), `args` start at `argsAt`. */
function parseCelery(argv: Word[], from: number, argsAt: number, prog: Prog, ctx: Context): WorkerFact[] | undefined {
  const facts = parseCeleryArgs(argv, from, argsAt, prog, ctx);
  if (facts && /(?:^|\/)manage\.py$/.test(argv[from - 1]?.value ?? '')) for (const f of facts) f.djangoManage = true;
  return facts;
}

function parseCeleryArgs(argv: Word[], from: number, argsAt: number, prog: Prog, ctx: Context): WorkerFact[] | undefined {
  const words = argv.slice(from);
  const progWords = argv.slice(from, argsAt);
  if (prog === 'celeryd') return worker(ctx, words, clickOptions(argv, argsAt, WORKER_SHORT, WORKER_LONG, false), progWords);
  if (prog === 'celeryd-multi') return multi(ctx, words, argv.slice(argsAt), undefined, progWords);
  const g = clickOptions(argv, argsAt, GLOBAL_SHORT, GLOBAL_LONG, true);
  const sub = argv[g.next];
  if (!sub || !SUBCOMMANDS.has(sub.value)) return undefined;
  const pre = [...progWords, ...g.opaque];
  if (sub.value === 'worker') {
    const p = clickOptions(argv, g.next + 1, WORKER_SHORT, WORKER_LONG, false);
    if (!p.values.app && g.values.app) p.values.app = g.values.app;
    p.opaque.push(...pre);
    return worker(ctx, words, p);
  }
  if (sub.value === 'multi') return multi(ctx, words, argv.slice(g.next + 1), g.values.app, pre);
  return [];
}

function worker(ctx: Context, words: Word[], p: Parsed, extra: Word[] = []): WorkerFact[] {
  const v = p.values;
  const host = v.hostname ? [{ ...v.hostname.word, value: v.hostname.text, pos: v.hostname.pos }] : [];
  return [fact(ctx, v.hostname?.text || ctx.name, words, v.app, v.queues, v.exclude, [...extra, ...p.opaque, ...host])];
}

interface Opt { name: string; ns?: string; v?: Val }
interface Node { ns?: string; name: string; index: number; words: Word[] }

/** `celery multi start|restart <nodes> [options]`, as celery/apps/multi.py's OptionParser reads it. */
function multi(ctx: Context, words: Word[], args: Word[], globalApp: Val | undefined, extra: Word[]): WorkerFact[] {
  const rargs = args.filter((w) => w.value !== '' || w.opaque);
  const cmd = rargs[0];
  if (!cmd || (cmd.value !== 'start' && cmd.value !== 'restart')) return [];
  const names: Word[] = [];
  const opaque: Word[] = [...extra];
  const opts: Opt[] = [];
  for (let i = 1; i < rargs.length; i++) {
    const w = rargs[i], a = w.value;
    if (a === '--') break;
    if (w.opaque) { opaque.push(w); continue }
    if (a.startsWith('-')) {
      let name: string, v: Val | undefined;
      if (a[1] === '-') {
        const eq = a.indexOf('=');
        name = a.slice(2, eq < 0 ? undefined : eq);
        if (eq >= 0) v = val(w, eq + 1);
      } else {
        name = a.slice(1);
        const n = rargs[i + 1];
        if (n && !n.value.startsWith('-')) { v = val(n, 0); i++ }
      }
      const colon = name.indexOf(':');
      opts.push(colon >= 0 ? { name: name.slice(0, colon), ns: name.slice(colon + 1), v } : { name, v });
      continue;
    }
    names.push(w);
  }
  const last = (n: string) => opts.filter((o) => o.name === n && !o.ns).pop()?.v?.text;
  const prefix = last('prefix') ?? '';
  let nodes: Node[];
  if (names.length === 1 && /^\d+$/.test(names[0].value)) {
    const count = Math.min(parseInt(names[0].value, 10), 100);
    const rp = last('range-prefix') || 'celery';
    nodes = Array.from({ length: count }, (_, k) => ({ ns: String(k + 1), name: `${rp}${k + 1}`, index: k + 1, words: [names[0]] }));
  } else {
    nodes = names.map((w, k) => {
      const at = w.value.indexOf('@');
      return { ns: at >= 0 ? w.value.slice(0, at) : w.value, name: at >= 0 ? w.value : prefix + w.value, index: k + 1, words: [w] };
    });
  }
  if (!nodes.length && opaque.some((w) => w.opaque)) nodes = [{ name: ctx.name, index: 0, words: [] }];
  const pick = (node: Node, key: Key): Val | undefined => {
    let g: Val | undefined, n: Val | undefined;
    for (const o of opts) {
      if (KEYS[o.name] !== key || !o.v) continue;
      if (!o.ns) g = o.v;
      else if (nsMatches(o.ns, node)) n = o.v;
    }
    return n ?? g;
  };
  return nodes.map((node) => {
    const app = globalApp ?? pick(node, 'app');
    return fact(ctx, node.name, words, app, pick(node, 'queues'), pick(node, 'exclude'), [...opaque, ...node.words]);
  });
}

function nsMatches(spec: string, node: Node): boolean {
  if (!node.index) return false;
  return spec.split(',').some((p) => {
    const r = /^(\d+)-(\d+)$/.exec(p);
    if (r) return node.index >= +r[1] && node.index <= +r[2];
    if (/^\d+$/.test(p)) return node.index === +p;
    return p === node.ns;
  });
}

function splitList(v: Val): { names: string[]; locs: Loc[] } {
  const names: string[] = [], locs: Loc[] = [];
  const t = v.text;
  let a = 0;
  for (let k = 0; k <= t.length; k++) {
    if (k < t.length && t[k] !== ',') continue;
    let s = a, e = k;
    while (s < e && /\s/.test(t[s])) s++;
    while (e > s && /\s/.test(t[e - 1])) e--;
    if (e > s) { names.push(t.slice(s, e)); locs.push(locOf(v.pos, s, e, v.word.start)) }
    a = k + 1;
  }
  return { names, locs };
}

function commandLoc(words: Word[]): Loc {
  const s = words[0].start;
  let e = words[0].end;
  for (const w of words) if (w.end.d === s.d && w.end.o >= s.o) e = w.end;
  return spanLoc(s.d, s.o, Math.max(e.o, s.e));
}

/** A command line as shown (hovers, traces): cut at this length — an unclosed quote can make one command run to
 * the end of the file, and every worker of it carried that whole text (the fuzzer's 2.8 KB script: 107 workers,
 * 1.4 MB each). */
const MAX_COMMAND_TEXT = 2_000;

function commandText(words: Word[]): string {
  let out = '';
  for (const w of words) {
    out += (out ? ' ' : '') + w.raw;
    if (out.length > MAX_COMMAND_TEXT) return `${out.slice(0, MAX_COMMAND_TEXT)}…`;
  }
  return out;
}

function fact(ctx: Context, name: string, words: Word[], app: Val | undefined, queues: Val | undefined, exclude: Val | undefined, noted: Word[]): WorkerFact {
  const f: WorkerFact = { name, command: commandText(words), loc: commandLoc(words) };
  if (app) f.app = app.text;
  const q = queues && splitList(queues), x = exclude && splitList(exclude);
  if (q) f.queues = q.names;
  if (x) f.excludeQueues = x.names;
  if (q || x) f.queueLocs = [...(q?.locs ?? []), ...(x?.locs ?? [])];
  // notes of the characters that matter: the values, the program, words that may hide options
  const env = new Set<string>(), unres = new Set<string>();
  // Characters of one expansion share one notes array: visit each array once (per character it was
  // quadratic for long values with long notes, e.g. deeply nested `${X:-${X:-...}}`).
  const lists = new Set<string[]>();
  const take = (pos: P[]) => {
    for (const p of pos) if (p.n) lists.add(p.n);
  };
  for (const w of noted) {
    take(w.pos);
    if (!w.value) { w.envDefaults.forEach((e) => env.add(e)); w.unresolved.forEach((u) => unres.add(u)) }
  }
  for (const v of [app, queues, exclude]) if (v) take(v.pos);
  const notes = new Set<string>();
  for (const l of lists) for (const n of l) notes.add(n);
  for (const n of notes) (n.startsWith('e:') ? env : unres).add(n.slice(2));
  if (env.size) f.envDefaults = [...env];
  if (unres.size) f.unresolved = [...unres];
  if (ctx.runsOn) f.runsOn = ctx.runsOn;
  return f;
}
