/**
 * A Flask configuration object, read statically: the `config` of a `Flask(...)` app (or of an Eve app, which copies
 * its `settings=` mapping into it: eve/flaskapp.py load_config), or a `flask.Config` — built by `from_object(...)`
 * (the UPPERCASE names of a module or class), `update` / `from_mapping` ({...}), `config['KEY'] = ...` and
 * `setdefault`, in the order the code runs them. Celery reads such an object in the Flask recipes
 * `config_from_object(app.config, namespace='CELERY')` and `conf.update(app.config)`.
 *
 * The object is often handed over: `def init_celery(app): celery.config_from_object(app.config, ...)`, called
 * from the factory `get_app()` that built the app. A parameter is followed to its callers in the workspace (not
 * tests); the factory's own parameters are what those callers pass, or their defaults. What the code reads at run
 * time (`from_pyfile`, `from_envvar`, a value that cannot be followed) is said, never guessed.
 */
import type { Expr, Span, Stmt } from '../parse/ir';
import type { ModuleSource } from './modules';
import type { Env } from './evaluate';
import type { Loc, SettingFact, Value } from './types';
import { fingerprint, qualified, truthiness } from './values';
import type { Caller } from './callers';

type Def = Extract<Stmt, { s: 'def' }>;
type Call = Extract<Expr, { t: 'call' }>;

export interface FlaskHooks {
  evaluate(src: ModuleSource, e: Expr, env: Env): Value;
  /** A module's names plus the imports of a function body (the env a statement of `def` sees, parameters aside). */
  scopeEnv(src: ModuleSource, def: Def | undefined): Env;
  /** Calls of the module-level function `def` of `src` in the workspace, tests aside, with the function each is in. */
  callers(src: ModuleSource, def: Def): Caller[];
  /** What `from_object(v)` reads: the settings of a module or class (all names: Flask's filter is applied here). */
  objectSettings(v: Value, at: Loc): { settings: SettingFact[]; unread?: string };
  /** Qualified names of a class value and of its bases, transitively (`SuperdeskEve` → `eve.Eve`). */
  lineage(v: Value): string[];
  setting(written: string, value: Value, loc: Loc): SettingFact;
  loc(src: ModuleSource, r: Span): Loc;
}

export interface FlaskConfig {
  /** In the order the code sets them (later wins). */
  settings: SettingFact[];
  /** What the object may also hold that cannot be read. */
  unread: string[];
  /** Where the object is built, for messages: `superdesk.factory.app.get_app()`. */
  origin: string;
}

const FLASK = /^(flask|flask\.app)\.Flask$/;
const FLASK_CONFIG = /^(flask|flask\.config)\.Config$/;
const EVE = /^(eve|eve\.flaskapp)\.Eve$/;
/** Methods that load configuration from somewhere the engine cannot read. */
const RUNTIME_LOADERS = new Set(['from_pyfile', 'from_envvar', 'from_file', 'from_prefixed_env', 'from_json']);
const MAX_DEPTH = 4;

interface Scope { src: ModuleSource; def?: Def; env: Env }

/**
 * The Flask configuration `e` designates in function `def` of `src` (module level when undefined), as it stands at
 * `at`; undefined when `e` is not a Flask configuration the engine recognises; a string: why it cannot be read.
 */
export function flaskConfigAt(src: ModuleSource, def: Def | undefined, e: Expr, at: Span, hooks: FlaskHooks): FlaskConfig | string | undefined {
  // a function's callers are asked for its parameters' values and again for the object it is handed: once
  const seen = new Map<Def, Caller[]>();
  const h: FlaskHooks = { ...hooks, callers: (m, d) => { let c = seen.get(d); if (!c) seen.set(d, (c = hooks.callers(m, d))); return c; } };
  return resolve(scopeOf(src, def, h, 0), e, at, h, 0);
}

function resolve(scope: Scope, e: Expr, at: Span, h: FlaskHooks, depth: number): FlaskConfig | string | undefined {
  if (depth > MAX_DEPTH) return 'handed through too many calls to follow';
  const viaApp = e.t === 'attr' && e.name === 'config';
  const base = viaApp ? (e as Extract<Expr, { t: 'attr' }>).obj : e;
  if (base.t !== 'name') return undefined;
  const name = base.id;
  const param = scope.def?.sig.find((p) => p.name === name && p.kind !== 'star' && p.kind !== 'dstar');
  if (scope.def && param) return fromCallers(scope, scope.def, name, viaApp, h, depth);
  const inFunction = scope.def ? assignmentsOf(scope.def.body, name) : [];
  const assigned = inFunction.length ? inFunction : assignmentsOf(scope.src.ir.body, name);
  const owner: Scope = inFunction.length ? scope : { src: scope.src, env: h.scopeEnv(scope.src, undefined) };
  if (assigned.length > 1) return `'${name}' is assigned more than once`;
  const made = assigned[0];
  if (!made || made.value.t !== 'call') return undefined;
  const lineage = h.lineage(h.evaluate(owner.src, made.value.fn, owner.env));
  const origin = `${owner.src.module}${owner.def ? `.${owner.def.name}()` : ''}`;
  const cfg: FlaskConfig = { settings: [], unread: [], origin };
  // where the code changes the object: `name.method(...)` for a Config, `name.config.method(...)` for an app
  const target: Expr = viaApp ? { t: 'attr', obj: base, name: 'config', r: base.r } : base;
  if (!viaApp && lineage.some((q) => FLASK_CONFIG.test(q))) { /* a flask.Config: starts empty */ }
  else if (viaApp && lineage.some((q) => EVE.test(q))) {
    // Eve(settings=...): a mapping is copied into app.config at construction; a file name is read at run time
    const s = made.value.kwargs.find((k) => k.name === 'settings')?.value ?? made.value.args[1];
    const given = s ? resolve(owner, s, made.r, h, depth + 1) : undefined;
    if (typeof given === 'object') merge(cfg, given);
    else if (typeof given === 'string') cfg.unread.push(`Eve(settings=...) of ${origin}: ${given}`);
    else {
      const v = s ? h.evaluate(owner.src, s, owner.env) : undefined;
      if (v?.kind === 'dict') applyMapping(cfg, v, h.loc(owner.src, s!.r), h);
      else cfg.unread.push(`Eve(settings=${v?.kind === 'str' ? `'${v.value}'` : s ? '...' : "'settings.py'"}) of ${origin} loads a settings file at run time`);
    }
  } else if (!(viaApp && lineage.some((q) => FLASK.test(q)))) return undefined;
  applyOps(owner, owner.def ? owner.def.body : owner.src.ir.body, target, made.r, at, cfg, h, depth);
  return cfg;
}

/** A parameter holding the object: what every caller passes (they must agree). */
function fromCallers(scope: Scope, def: Def, param: string, viaApp: boolean, h: FlaskHooks, depth: number): FlaskConfig | string {
  const callers = h.callers(scope.src, def);
  if (!callers.length) return `parameter '${param}' of ${def.name}(), set by its callers (none in the workspace)`;
  const found: FlaskConfig[] = [];
  for (const c of callers) {
    const arg = argumentFor(c.call, def, param);
    if (!arg || arg === 'splat') return `parameter '${param}' of ${def.name}(): a caller's argument cannot be read (${c.src.module}:${c.call.r[0] + 1})`;
    const e: Expr = viaApp ? { t: 'attr', obj: arg, name: 'config', r: arg.r } : arg;
    const r = resolve(scopeOf(c.src, c.def, h, depth + 1), e, c.call.r, h, depth + 1);
    if (r === undefined) return `parameter '${param}' of ${def.name}(): what ${c.src.module}:${c.call.r[0] + 1} passes is not a Flask configuration the engine reads`;
    if (typeof r === 'string') return r;
    found.push(r);
  }
  const sig = (x: FlaskConfig) => JSON.stringify([x.settings.map((s) => [s.written, fingerprint(s.value)]), x.unread]);
  if (found.some((x) => sig(x) !== sig(found[0]))) return `parameter '${param}' of ${def.name}() differs between its ${found.length} callers`;
  return found[0];
}

/** The expression a call passes for a parameter: by keyword, by position, else the default; 'splat' when `*args` / `**kw` may carry it. */
function argumentFor(call: Call, def: Def, param: string): Expr | 'splat' | undefined {
  const kw = call.kwargs.find((k) => k.name === param);
  if (kw) return kw.value;
  const positional = def.sig.filter((p) => p.kind === 'pos' || p.kind === 'pos-default');
  const i = positional.findIndex((p) => p.name === param);
  const args = call.args;
  if (args.some((a) => a.t === 'star') || call.kwargs.some((k) => k.name === null)) return 'splat';
  if (i >= 0 && i < args.length) return args[i];
  return def.sig.find((p) => p.name === param)?.d;
}

/** The env of a function as its callers run it: parameters are what every caller passes (or the default), and
 * names assigned once in its body are their values. */
function scopeOf(src: ModuleSource, def: Def | undefined, h: FlaskHooks, depth: number): Scope {
  const env = new Map(h.scopeEnv(src, def));
  if (!def) return { src, env };
  const callers = depth <= MAX_DEPTH ? h.callers(src, def) : [];
  for (const p of def.sig) {
    if (p.kind === 'star' || p.kind === 'dstar') continue;
    const values = callers.map((c) => {
      const a = argumentFor(c.call, def, p.name);
      if (a === 'splat' || a === undefined) return undefined;
      // the default is evaluated where the function is defined; an argument where the call is
      return a === p.d ? h.evaluate(src, a, h.scopeEnv(src, undefined)) : h.evaluate(c.src, a, h.scopeEnv(c.src, c.def));
    });
    const first = values[0];
    const agreed = callers.length > 0 && first !== undefined && first.kind !== 'unknown' && values.every((v) => v && fingerprint(v) === fingerprint(first));
    env.set(p.name, agreed ? first : { kind: 'unknown', reason: callers.length ? `parameter '${p.name}' of ${def.name}() differs between its callers, or one cannot be read` : `parameter '${p.name}' of ${def.name}(), set by its callers (none in the workspace)` });
  }
  const counts = new Map<string, number>();
  walk(def.body, (st) => { if (st.s === 'assign' && st.target.t === 'name') counts.set(st.target.id, (counts.get(st.target.id) ?? 0) + 1); });
  walk(def.body, (st) => { if (st.s === 'assign' && st.target.t === 'name' && !st.op && counts.get(st.target.id) === 1 && !env.has(st.target.id)) env.set(st.target.id, h.evaluate(src, st.value, env)); });
  return { src, def, env };
}

/** Statements between `from` and `to` that change `target`, in order; an `if` by its test when known, a `try` by its body. */
function applyOps(scope: Scope, body: Stmt[], target: Expr, from: Span, to: Span, cfg: FlaskConfig, h: FlaskHooks, depth: number): void {
  const after = (r: Span) => r[0] > from[2] || (r[0] === from[2] && r[1] >= from[3]);
  const before = (r: Span) => r[0] < to[0] || (r[0] === to[0] && r[1] < to[1]);
  const run = (stmts: Stmt[]) => {
    for (const st of stmts) {
      if (!before(st.r)) return;
      if (st.s === 'if') {
        const tryBlock = st.test.t === 'opaque' && st.test.text === 'try';
        const t = tryBlock ? true : truthiness(h.evaluate(scope.src, st.test, scope.env));
        if (t === undefined) {
          const n = cfg.settings.length;
          run(st.body);
          run(st.orelse);
          if (cfg.settings.length !== n) cfg.unread.push(`${scope.src.module}:${st.r[0] + 1} changes the configuration under a condition the engine cannot decide`);
        } else run(t ? st.body : st.orelse);
        continue;
      }
      if (st.s === 'for') { run(st.body); continue; }
      if (!after(st.r)) continue;
      if (st.s === 'assign' && st.target.t === 'subscript' && sameExpr(st.target.obj, target)) {
        const k = h.evaluate(scope.src, st.target.index, scope.env);
        if (k.kind === 'str') set(cfg, h.setting(k.value, h.evaluate(scope.src, st.value, scope.env), h.loc(scope.src, st.target.index.r)));
        else cfg.unread.push(`${scope.src.module}:${st.r[0] + 1} sets a key the engine cannot read`);
      } else if (st.s === 'expr' && st.e.t === 'call' && st.e.fn.t === 'attr' && sameExpr(st.e.fn.obj, target)) {
        applyCall(scope, st.e, st.e.fn.name, cfg, h, depth);
      }
    }
  };
  run(body);
}

function applyCall(scope: Scope, c: Call, method: string, cfg: FlaskConfig, h: FlaskHooks, depth: number): void {
  const at = h.loc(scope.src, c.r);
  const where = `${scope.src.module}:${c.r[0] + 1}`;
  if (RUNTIME_LOADERS.has(method)) { cfg.unread.push(`${method}(...) at ${where} reads its settings at run time`); return; }
  if (method === 'from_object') {
    const v = c.args[0] ? h.evaluate(scope.src, c.args[0], scope.env) : undefined;
    if (!v || v.kind === 'none') return; // from_object(None) copies nothing
    if (v.kind === 'unknown') { cfg.unread.push(`from_object(${v.reason}) at ${where}`); return; }
    const got = h.objectSettings(v, at);
    if (got.unread) cfg.unread.push(`from_object at ${where}: ${got.unread}`);
    // Flask's from_object copies only the UPPERCASE names
    for (const s of got.settings) if (s.written === s.written.toUpperCase() && s.written !== s.written.toLowerCase()) set(cfg, s);
    return;
  }
  if (method === 'update' || method === 'from_mapping') {
    for (const a of c.args) {
      const v = h.evaluate(scope.src, a, scope.env);
      // another Flask configuration (`app.config.update(app_config)`)
      const other = v.kind === 'unknown' ? resolve(scope, a, c.r, h, depth + 1) : undefined;
      if (typeof other === 'object') merge(cfg, other);
      else if (typeof other === 'string') cfg.unread.push(`${method}(...) at ${where}: ${other}`);
      else if (v.kind === 'dict') applyMapping(cfg, v, at, h);
      else if (v.kind !== 'none' || method === 'update') cfg.unread.push(`${method}(${v.kind === 'unknown' ? v.reason : '...'}) at ${where}`);
    }
    for (const kw of c.kwargs) {
      if (kw.name) set(cfg, h.setting(kw.name, h.evaluate(scope.src, kw.value, scope.env), h.loc(scope.src, kw.value.r)));
      else cfg.unread.push(`${method}(**...) at ${where}`);
    }
    return;
  }
  if (method === 'setdefault') {
    const k = c.args[0] ? h.evaluate(scope.src, c.args[0], scope.env) : undefined;
    if (k?.kind === 'str' && !cfg.settings.some((s) => s.written === k.value)) set(cfg, h.setting(k.value, c.args[1] ? h.evaluate(scope.src, c.args[1], scope.env) : { kind: 'none' }, at));
  }
}

function applyMapping(cfg: FlaskConfig, v: Extract<Value, { kind: 'dict' }>, at: Loc, h: FlaskHooks): void {
  for (const en of v.entries) {
    if (en.key.kind === 'str') set(cfg, h.setting(en.key.value, en.value, en.key.loc ?? at));
    else cfg.unread.push('a mapping with a key the engine cannot read');
  }
}

function set(cfg: FlaskConfig, s: SettingFact): void {
  const i = cfg.settings.findIndex((x) => x.written === s.written);
  if (i >= 0) cfg.settings.splice(i, 1);
  cfg.settings.push(s);
}

function merge(into: FlaskConfig, from: FlaskConfig): void {
  for (const s of from.settings) set(into, s);
  into.unread.push(...from.unread);
}

/** Assignments `name = ...` in a body (branches and loops too; not nested functions or classes). */
function assignmentsOf(body: Stmt[], name: string): Array<Extract<Stmt, { s: 'assign' }>> {
  const out: Array<Extract<Stmt, { s: 'assign' }>> = [];
  walk(body, (st) => { if (st.s === 'assign' && st.target.t === 'name' && st.target.id === name) out.push(st); });
  return out;
}

function walk(body: Stmt[], visit: (st: Stmt) => void): void {
  for (const st of body) {
    visit(st);
    if (st.s === 'if') { walk(st.body, visit); walk(st.orelse, visit); } else if (st.s === 'for') walk(st.body, visit);
  }
}

/** Same dotted name (`app.config` and `app.config`). */
function sameExpr(a: Expr, b: Expr): boolean {
  if (a.t === 'name' && b.t === 'name') return a.id === b.id;
  if (a.t === 'attr' && b.t === 'attr') return a.name === b.name && sameExpr(a.obj, b.obj);
  return false;
}

/** Qualified names of a lineage, for the hook: a class ref and its bases. */
export function lineageOf(v: Value, basesOf: (v: Value) => Value[], depth = 0): string[] {
  if (v.kind !== 'ref' || depth > 10) return [];
  return [qualified(v.ref), ...basesOf(v).flatMap((b) => lineageOf(b, basesOf, depth + 1))];
}
