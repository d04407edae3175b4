/**
 * Static evaluation of Python module-level values. Never executes anything: literals, containers, names
 * bound earlier, imports across the workspace, a few pure builtins and string operations, kombu
 * constructors, environment lookups (→ their default, marked), if/else (→ both branches, marked).
 * Everything else is an explicit `unknown` with a reason and a location.
 */
import { toRange, type Expr, type Span, type Stmt } from '../parse/ir';
import type { Loc, SymbolRef, Value, DictEntry } from './types';
import type { ModuleSource } from './modules';
import { beyondTopLevel, qualified, resolveRelative, withLoc, DictBuilder, setEntry, dictGet, iterate, bindTarget, truthiness, isScalar, asText, mergeMeta, show, describe, exprText } from './values';

export type Env = Map<string, Value>;

/** What a module's top level does to the world, in statement order. */
export type Effect =
  | { kind: 'call'; call: Extract<Expr, { t: 'call' }>; env: Env; conditional: boolean }
  | { kind: 'setattr'; target: Extract<Expr, { t: 'attr' | 'subscript' }>; value: Expr; env: Env; conditional: boolean; op?: string };

export interface ClassInfo { module: string; name: string; bases: Value[]; attrs: Env; stmt: Extract<Stmt, { s: 'class' }> }

export interface ModuleResult {
  module: string;
  env: Env;
  classes: Map<string, ClassInfo>;
  functions: Map<string, Extract<Stmt, { s: 'def' }>>;
  effects: Effect[];
  /** Where each top-level name was last assigned (the target's range). */
  assigned: Map<string, Loc>;
  /** Effects inside the module's functions and methods (see `Evaluator.bodyEffects`), once asked. */
  bodies?: BodyEffects[];
}

/** A function or method whose body configures an app: its effects, run with its parameters unknown. */
export interface BodyEffects { func: string; loc: Loc; effects: Effect[] }

export interface EvalHost {
  getModule(name: string): ModuleSource | undefined;
  /** An absolute import's module as the process running `src` finds it first (a Django project folder's own). */
  fromProjectFolder?(src: ModuleSource, target: string): string | undefined;
  /** Values of the project file (`env` key) override environment defaults. */
  envValue?(variable: string): string | undefined;
  /** The Django settings module, for `django.conf.settings`. */
  djangoSettingsModule?(): string | undefined;
  /** Hook to turn a decorated function into a value (tasks). */
  decorate?(mod: string, stmt: Extract<Stmt, { s: 'def' | 'class' }>, env: Env): Value | undefined;
  /** A `Celery(...)` instance was created (kwargs evaluated); returns the app value. */
  /** `cls`: the Celery subclass instantiated, if not Celery itself. */
  createApp?(mod: string, call: Extract<Expr, { t: 'call' }>, args: Value[], kwargs: Record<string, Value>, loc: Loc, cls?: SymbolRef): Value;
  /** The app created by that call is bound to `variable`. */
  nameApp?(app: Value, mod: string, variable: string): Value;
  /** An existing app is also bound to `mod.variable` (`app = create_app()`, `celery_app = app`). */
  aliasApp?(app: Value, mod: string, variable: string): void;
}

const MAX_ITEMS = 10_000;
/** Strings longer than this are not followed (a queue name or route key never is). */
const MAX_STRING = 64 * 1024;
const MAX_LOOP = 1_000;

const unknown = (reason: string, loc?: Loc): Value => ({ kind: 'unknown', reason, loc });

export class Evaluator {
  private readonly results = new Map<string, ModuleResult>();
  private readonly inProgress = new Map<string, ModuleResult>();
  /** Module → the modules whose evaluation read it (so an edit re-evaluates only what depends on it). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly frames: string[] = [];
  /** Module results being built (innermost last): where a factory function's effects are recorded. */
  private readonly running: ModuleResult[] = [];
  private factoryDepth = 0;

  constructor(private readonly host: EvalHost) {}

  /** The module's top-level bindings after it ran (cached; import cycles see a partial module). */
  module(name: string): ModuleResult | undefined {
    const reader = this.frames[this.frames.length - 1];
    if (reader && reader !== name) {
      let d = this.dependents.get(name);
      if (!d) this.dependents.set(name, (d = new Set()));
      d.add(reader);
    }
    const done = this.results.get(name);
    if (done) return done;
    const src = this.host.getModule(name);
    if (!src) return undefined;
    // An import cycle (or the module asking about itself) sees the module as far as it ran, as in Python.
    const running = this.inProgress.get(name);
    if (running) return running;
    const res: ModuleResult = { module: name, env: new Map(), classes: new Map(), functions: new Map(), effects: [], assigned: new Map() };
    this.inProgress.set(name, res);
    this.frames.push(name);
    this.running.push(res);
    try {
      this.exec(src, src.ir.body, res.env, res, false);
    } finally {
      this.running.pop();
      this.frames.pop();
      this.inProgress.delete(name);
    }
    this.results.set(name, res);
    return res;
  }

  /**
   * Configuration done inside a function or method of the module (`def init_celery(app):
   * celery.config_from_object(app.config, namespace='CELERY')`, an AppConfig's `ready()`): it takes effect when
   * something calls it, which the engine does not follow; its body is run once, parameters unknown, so what it
   * sets is seen and what comes from its callers is an Unknown — not silently Celery's default. Functions that
   * build an app are factories, run at their call sites instead; nested defs and classes are not run.
   */
  bodyEffects(name: string): BodyEffects[] {
    const res = this.module(name);
    const src = this.host.getModule(name);
    if (!res || !src) return [];
    if (res.bodies) return res.bodies;
    const out: BodyEffects[] = [];
    const defs: Array<[string, Extract<Stmt, { s: 'def' }>]> = [...res.functions];
    for (const [cname, info] of res.classes) for (const b of info.stmt.body) if (b.s === 'def') defs.push([`${cname}.${b.name}`, b]);
    for (const [func, def] of defs) {
      if (!configuresIn(def.body) || makesApp(def.body)) continue;
      const env: Env = new Map(res.env);
      for (const p of def.sig) env.set(p.name, unknown(`parameter '${p.name}' of ${func}(), set by its callers`));
      const scratch: ModuleResult = { module: name, env, classes: new Map(), functions: new Map(), effects: [], assigned: new Map() };
      this.frames.push(name);
      this.running.push(scratch);
      try {
        this.exec(src, withoutDefs(def.body), env, scratch, true);
      } finally {
        this.running.pop();
        this.frames.pop();
      }
      if (scratch.effects.length) out.push({ func, loc: this.loc(src, { r: def.nameR }), effects: scratch.effects });
    }
    return (res.bodies = out);
  }

  /** Run `fn` as part of module `name` (its call sites), so what it reads counts as that module's dependency. */
  within<T>(name: string, fn: () => T): T {
    this.frames.push(name);
    try { return fn(); } finally { this.frames.pop(); }
  }

  /** Modules that imported a name from a module still running, since the last call — those whose name turned out
   * to be an app or a task (what routes read; re-evaluating every cycle of a Django monolith costs seconds). */
  takeCycleReaders(): string[] {
    const out = new Set<string>();
    for (const { reader, target, name } of this.cycleReads) {
      const v = this.results.get(target)?.env.get(name);
      if (v?.kind === 'ref' && (v.ref.kind === 'app' || v.ref.kind === 'task')) out.add(reader);
    }
    this.cycleReads.length = 0;
    return [...out];
  }
  private readonly cycleReads: Array<{ reader: string; target: string; name: string }> = [];

  /** Forget `name` and every module that (transitively) read it; returns them. */
  invalidate(name: string): Set<string> {
    const out = new Set<string>();
    const todo = [name];
    while (todo.length) {
      const m = todo.pop()!;
      if (out.has(m)) continue;
      out.add(m);
      this.results.delete(m);
      for (const d of this.dependents.get(m) ?? []) todo.push(d);
      this.dependents.delete(m);
    }
    return out;
  }

  /**
   * A literal's value, one object per IR node: an open buffer keeps the IR of unchanged statements across
   * keystrokes, so re-evaluating a 5,000-line settings module allocates nothing for its literals.
   */
  private literal(src: ModuleSource, e: Extract<Expr, { t: 'str' | 'num' | 'bool' | 'none' }>): Value {
    const hit = this.literals.get(e);
    if (hit) return hit;
    const loc = this.loc(src, e);
    const v: Value = e.t === 'none' ? { kind: 'none', loc } : e.t === 'str' ? { kind: 'str', value: e.v, loc } : e.t === 'num' ? { kind: 'num', value: e.v, loc } : { kind: 'bool', value: e.v, loc };
    this.literals.set(e, v);
    return v;
  }
  private readonly literals = new WeakMap<Expr, Value>();
  private readonly assignMemo = new WeakMap<Expr, { deps: Array<[string, Value | undefined]>; v: Value }>();

  /** Where an IR node is: one object per node (a node belongs to one file), so re-evaluating allocates none. */
  loc(src: ModuleSource | string, e: { r: Span }): Loc {
    const hit = this.locs.get(e);
    if (hit) return hit;
    const file = typeof src === 'string' ? this.host.getModule(src)?.file ?? src : src.file;
    const loc = { file, range: toRange(e.r) };
    this.locs.set(e, loc);
    return loc;
  }
  private readonly locs = new WeakMap<object, Loc>();

  // ------------------------------------------------------------ statements

  private exec(src: ModuleSource, body: Stmt[], env: Env, res: ModuleResult, conditional: boolean): void {
    for (const st of body) {
      try {
        this.stmt(src, st, env, res, conditional);
      } catch (err) {
        // A bug in evaluation must not lose the rest of the module.
        env.set('__error__', unknown(`internal evaluation error: ${(err as Error).message}`, this.loc(src, st)));
      }
    }
  }

  private stmt(src: ModuleSource, st: Stmt, env: Env, res: ModuleResult, conditional: boolean): void {
    switch (st.s) {
      case 'assign': return this.assign(src, st, env, res, conditional);
      case 'expr': {
        const e = st.e;
        if (e.t === 'call') {
          this.mutatingCall(src, e, env);
          // Only calls that can configure an app are kept (each keeps a copy of the scope).
          if (configures(e.fn)) res.effects.push({ kind: 'call', call: e, env: new Map(env), conditional });
          if (env === res.env) this.exportClassSettings(src, e, env, res);
        }
        return;
      }
      case 'import': return this.importFrom(src, st, env);
      case 'importmod': {
        const own = (m: string) => this.host.fromProjectFolder?.(src, m) ?? m;
        if (st.as) env.set(st.as, this.moduleRef(own(st.module)));
        else {
          const top = st.module.split('.')[0];
          env.set(top, this.moduleRef(own(top)));
        }
        return;
      }
      case 'class': {
        const info = this.classBody(src, st, env, res, conditional);
        if (env === res.env) res.classes.set(st.name, info);
        const decorated = this.host.decorate?.(res.module, st, env);
        env.set(st.name, decorated ?? { kind: 'ref', ref: { module: res.module, name: st.name, kind: 'class', loc: this.loc(src, { r: st.nameR }) } });
        return;
      }
      case 'def': {
        if (env === res.env) res.functions.set(st.name, st);
        const decorated = this.host.decorate?.(res.module, st, env);
        env.set(st.name, decorated ?? { kind: 'ref', ref: { module: res.module, name: st.name, kind: 'function', loc: this.loc(src, { r: st.nameR }) } });
        return;
      }
      case 'if': return this.branch(src, st, env, res, conditional);
      case 'for': return this.loop(src, st, env, res, conditional);
      case 'return': return;
    }
  }

  private assign(src: ModuleSource, st: Extract<Stmt, { s: 'assign' }>, env: Env, res: ModuleResult, conditional: boolean): void {
    const t = st.target;
    if (t.t === 'name') {
      // a module-level value that only depends on the names it reads: reused while they hold the same values
      const pure = !st.op && env === res.env && !conditional ? pureReads(st.value) : undefined;
      if (pure) {
        const hit = this.assignMemo.get(st.value);
        if (hit && sameDependencies(hit.deps, env)) {
          env.set(t.id, hit.v);
          res.assigned.set(t.id, this.loc(src, t));
          return;
        }
      }
      const deps = pure?.names.map((n): [string, Value | undefined] => [n, env.get(n)]);
      let v = this.eval(src, st.value, env);
      if (st.op) v = this.binop(src, st.op, env.get(t.id) ?? unknown(`'${t.id}' is not bound before '${st.op}='`, this.loc(src, t)), v, st);
      // A fresh `Celery(...)` is named after the variable it is bound to.
      // (named at module level only: inside an app factory the local name is not how others import it)
      if (v.kind === 'ref' && v.ref.kind === 'app' && v.ref.name === '' && st.value.t === 'call' && env === res.env) v = this.host.nameApp?.(v, res.module, t.id) ?? v;
      else if (v.kind === 'ref' && v.ref.kind === 'app' && env === res.env) this.host.aliasApp?.(v, res.module, t.id);
      const bound = withLoc(v, this.loc(src, st.value));
      env.set(t.id, bound);
      if (env === res.env) res.assigned.set(t.id, this.loc(src, t));
      const callsPure = (callee: string) => { const f = deps?.find(([n]) => n === callee)?.[1]; return f ? f.kind === 'ref' && f.ref.kind === 'external' && PURE_CALLS.has(qualified(f.ref)) : callee in BUILTINS; };
      if (pure && deps && v.kind !== 'ref' && pure.callees.every(callsPure)) this.assignMemo.set(st.value, { deps, v: bound });
      return;
    }
    if (t.t === 'tuple' || t.t === 'list') {
      const v = this.eval(src, st.value, env);
      t.items.forEach((item, i) => {
        if (item.t !== 'name') return;
        const part = (v.kind === 'tuple' || v.kind === 'list') && v.items[i] ? v.items[i] : unknown(`unpacking of a value that is not a known sequence`, this.loc(src, st.value));
        env.set(item.id, part);
      });
      return;
    }
    if (t.t === 'subscript' && t.obj.t === 'name') {
      const container = env.get(t.obj.id);
      if (container?.kind === 'dict') {
        const key = this.eval(src, t.index, env);
        const value = this.eval(src, st.value, env);
        env.set(t.obj.id, { ...container, entries: setEntry(container.entries, key, value) });
        return;
      }
    }
    if ((t.t === 'attr' || t.t === 'subscript') && configures(t)) {
      res.effects.push({ kind: 'setattr', target: t, value: st.value, env: new Map(env), conditional, op: st.op });
    }
  }

  importFrom(src: ModuleSource, st: Extract<Stmt, { s: 'import' }>, env: Env): void {
    if (beyondTopLevel(src, st.level)) {
      const why = `'from ${'.'.repeat(st.level)}${st.module} import' in ${src.module} climbs above its top-level package: Python raises ImportError`;
      if (st.names !== '*') for (const { name, as } of st.names) env.set(as ?? name, unknown(why));
      return;
    }
    const target0 = resolveRelative(src, st.module, st.level);
    const target = (st.level === 0 ? this.host.fromProjectFolder?.(src, target0) : undefined) ?? target0;
    if (st.names === '*') {
      const m = this.module(target);
      if (!m) return;
      for (const [k, v] of m.env) if (!k.startsWith('_')) env.set(k, v);
      return;
    }
    for (const { name, as } of st.names) {
      const local = as ?? name;
      const m = this.module(target);
      if (m) {
        const v = m.env.get(name);
        if (v) { env.set(local, v); continue; }
        // `from pkg import submodule`
        if (this.host.getModule(`${target}.${name}`)) { env.set(local, this.moduleRef(`${target}.${name}`)); continue; }
        // a module still running (an import cycle): Python would raise ImportError here, so it runs in another
        // order — the importer is evaluated again once every module is complete (takeCycleReaders)
        if (this.inProgress.has(target)) this.cycleReads.push({ reader: src.module, target, name });
        env.set(local, unknown(`'${name}' is not defined at the top level of ${target}`));
        continue;
      }
      if (this.host.getModule(`${target}.${name}`)) { env.set(local, this.moduleRef(`${target}.${name}`)); continue; }
      env.set(local, { kind: 'ref', ref: { module: `${target}.${name}`, name: '', kind: 'external' } });
    }
  }

  private moduleRef(module: string): Value {
    if (this.host.getModule(module)) return { kind: 'ref', ref: { module, name: '', kind: 'module' } };
    return { kind: 'ref', ref: { module, name: '', kind: 'external' } };
  }

  private branch(src: ModuleSource, st: Extract<Stmt, { s: 'if' }>, env: Env, res: ModuleResult, conditional: boolean): void {
    const test = this.eval(src, st.test, env);
    const known = truthiness(test);
    if (known !== undefined && !test.env && !test.conditional) {
      this.exec(src, known ? st.body : st.orelse, env, res, conditional);
      return;
    }
    // Both branches: the one real Celery sees without the environment variable set is primary.
    const primaryFirst = known === undefined ? true : known;
    const a = new Map(env);
    const b = new Map(env);
    const effA: ModuleResult = { ...res, effects: [] };
    const effB: ModuleResult = { ...res, effects: [] };
    this.exec(src, primaryFirst ? st.body : st.orelse, a, effA, true);
    this.exec(src, primaryFirst ? st.orelse : st.body, b, effB, true);
    res.effects.push(...effA.effects);
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const va = a.get(k);
      const vb = b.get(k);
      if (va === vb) { if (va) env.set(k, va); continue; }
      const primary = va ?? vb!;
      const other = va ? vb : undefined;
      env.set(k, { ...primary, conditional: true, alternatives: other ? [other] : primary.alternatives } as Value);
    }
  }

  private loop(src: ModuleSource, st: Extract<Stmt, { s: 'for' }>, env: Env, res: ModuleResult, conditional: boolean): void {
    const it = this.eval(src, st.iter, env);
    const items = iterate(it);
    if (!items) {
      res.effects.push(...[]);
      return;
    }
    for (const item of items.slice(0, MAX_LOOP)) {
      bindTarget(st.target, item, env);
      this.exec(src, st.body, env, res, conditional);
    }
  }

  /** `X.append(v)`, `X.extend(v)`, `X.update(...)` on names bound in this scope. */
  private mutatingCall(src: ModuleSource, e: Extract<Expr, { t: 'call' }>, env: Env): void {
    if (e.fn.t !== 'attr' || e.fn.obj.t !== 'name') return;
    const cur = env.get(e.fn.obj.id);
    if (!cur) return;
    const next = this.mutate(src, cur, e, env);
    if (next) env.set(e.fn.obj.id, next);
  }

  /** The value after an in-place method call (`append`, `extend`, `insert`, `update`, `setdefault`); undefined if not a mutation. */
  mutate(src: ModuleSource, cur: Value, e: Extract<Expr, { t: 'call' }>, env: Env): Value | undefined {
    const v = this.mutateRaw(src, cur, e, env);
    return v && capped(v, this.loc(src, e));
  }

  private mutateRaw(src: ModuleSource, cur: Value, e: Extract<Expr, { t: 'call' }>, env: Env): Value | undefined {
    if (e.fn.t !== 'attr') return undefined;
    const method = e.fn.name;
    const what = exprText(e.fn.obj);
    const arg = e.args[0] ? this.eval(src, e.args[0], env) : undefined;
    if ((cur.kind === 'list' || cur.kind === 'set') && (method === 'append' || method === 'add') && arg) return { ...cur, items: [...cur.items, arg] };
    if (cur.kind === 'list' && method === 'extend' && arg) {
      const more = iterate(arg);
      return more ? { ...cur, items: [...cur.items, ...more] } : unknown(`${what}.extend() with a value that is not a known sequence`, this.loc(src, e));
    }
    if (cur.kind === 'list' && method === 'insert' && e.args.length === 2) {
      const idx = this.eval(src, e.args[0], env);
      const items = [...cur.items];
      if (idx.kind === 'num') items.splice(idx.value, 0, this.eval(src, e.args[1], env));
      return { ...cur, items };
    }
    if (cur.kind === 'dict' && method === 'update') {
      let entries = cur.entries;
      if (arg) {
        if (arg.kind !== 'dict') return unknown(`${what}.update() with a value that is not a known dict`, this.loc(src, e));
        for (const en of arg.entries) entries = setEntry(entries, en.key, en.value);
      }
      for (const kw of e.kwargs) if (kw.name) entries = setEntry(entries, { kind: 'str', value: kw.name }, this.eval(src, kw.value, env));
      return { ...cur, entries };
    }
    if (cur.kind === 'dict' && method === 'setdefault' && arg) {
      if (dictGet(cur, arg)) return cur;
      return { ...cur, entries: setEntry(cur.entries, arg, e.args[1] ? this.eval(src, e.args[1], env) : { kind: 'none' }) };
    }
    return undefined;
  }

  /** `container[key] = value` on a known dict. */
  setItem(src: ModuleSource, cur: Value, index: Expr, value: Expr, env: Env): Value | undefined {
    if (cur.kind !== 'dict') return undefined;
    return { ...cur, entries: setEntry(cur.entries, this.eval(src, index, env), this.eval(src, value, env)) };
  }

  // ------------------------------------------------------------ expressions

  eval(src: ModuleSource, e: Expr, env: Env): Value {
    if (e.t === 'str' || e.t === 'num' || e.t === 'bool' || e.t === 'none') return this.literal(src, e);
    const loc = this.loc(src, e);
    switch (e.t) {
      case 'fstr': {
        let out = '';
        const metas: Value[] = [];
        for (const p of e.parts) {
          if (typeof p === 'string') { out += p; continue; }
          const v = this.eval(src, p, env);
          const s = asText(v);
          if (s === undefined) return unknown(`f-string part {${exprText(p)}} is not known: ${v.kind === 'unknown' ? v.reason : v.kind}`, loc);
          out += s;
          metas.push(v);
        }
        return capped(mergeMeta({ kind: 'str', value: out, loc }, metas), loc);
      }
      case 'name': {
        const v = env.get(e.id);
        if (v) return v;
        if (e.id in BUILTINS) return { kind: 'ref', ref: { module: 'builtins', name: e.id, kind: 'external' }, loc };
        return unknown(`'${e.id}' is not defined at module level`, loc);
      }
      case 'attr': return this.attribute(src, e, env, loc);
      case 'call': return this.call(src, e, env, loc);
      case 'list': case 'tuple': case 'set': {
        const items: Value[] = [];
        for (const it of e.items.slice(0, MAX_ITEMS)) {
          if (it.t === 'star') {
            const v = this.eval(src, it.e, env);
            const more = iterate(v);
            if (!more) return unknown(`*${exprText(it.e)} is not a known sequence`, loc);
            items.push(...more);
          } else items.push(this.eval(src, it, env));
        }
        return { kind: e.t, items, loc };
      }
      case 'dict': {
        const b = new DictBuilder();
        for (const en of e.entries.slice(0, MAX_ITEMS)) {
          if (en.k === null) {
            const v = this.eval(src, en.v, env);
            if (v.kind !== 'dict') return unknown(`**${exprText(en.v)} is not a known dict`, loc);
            for (const x of v.entries) b.set(x.key, x.value);
          } else b.set(this.eval(src, en.k, env), this.eval(src, en.v, env));
        }
        return { kind: 'dict', entries: b.entries, loc };
      }
      case 'binop': return this.binop(src, e.op, this.eval(src, e.l, env), this.eval(src, e.rgt, env), e);
      case 'subscript': {
        const obj = this.eval(src, e.obj, env);
        const idx = this.eval(src, e.index, env);
        if (obj.kind === 'dict') return dictGet(obj, idx) ?? unknown(`key ${show(idx)} is not in the dict`, loc);
        if ((obj.kind === 'list' || obj.kind === 'tuple') && idx.kind === 'num') return obj.items.at(idx.value) ?? unknown('index out of range', loc);
        if (obj.kind === 'ref' && obj.ref.module === 'os.environ') return this.envLookup(idx, undefined, loc, true);
        // `module[:-6]`: a slice (lowered as its text) of a known string
        const slice = e.index.t === 'opaque' ? /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*$/.exec(e.index.text) : null;
        if (slice && obj.kind === 'str') return { kind: 'str', value: sliceOf(obj.value, slice[1], slice[2]), loc };
        return unknown(`subscript of ${describe(obj)}`, loc);
      }
      case 'cond': {
        const test = this.eval(src, e.test, env);
        const a = this.eval(src, e.a, env);
        const b = this.eval(src, e.b, env);
        const known = truthiness(test);
        const primary = known === false ? b : a;
        const other = known === false ? a : b;
        if (known !== undefined && !test.env) return primary;
        return { ...primary, conditional: true, alternatives: [other] } as Value;
      }
      case 'compare': {
        const l = this.eval(src, e.l, env);
        const r = this.eval(src, e.rgt, env);
        if ((e.op === '==' || e.op === '!=') && isScalar(l) && isScalar(r)) {
          const eq = (l as { value?: unknown }).value === (r as { value?: unknown }).value && l.kind === r.kind;
          return mergeMeta({ kind: 'bool', value: e.op === '==' ? eq : !eq, loc }, [l, r]);
        }
        return unknown(`comparison ${exprText(e)}`, loc);
      }
      case 'bool_op': {
        const vals = e.args.map((a) => this.eval(src, a, env));
        if (e.op === 'not') {
          const t = truthiness(vals[0]);
          return t === undefined ? unknown('not of an unknown value', loc) : mergeMeta({ kind: 'bool', value: !t, loc }, vals);
        }
        const [l, r] = vals;
        const t = truthiness(l);
        if (t === undefined) return unknown(`${e.op} of an unknown value${l.kind === 'unknown' ? ` (${l.reason})` : ''}`, loc);
        const picked = e.op === 'or' ? (t ? l : r) : (t ? r : l);
        // `os.getenv('X') or 'd'`: the right side is the variable's default.
        if (picked === r && l.env) return { ...r, env: { variable: l.env.variable, hasDefault: true } } as Value;
        return mergeMeta(picked, [l]);
      }
      case 'star': return unknown('starred expression', loc);
      case 'opaque': return unknown(`not statically known: ${e.text.slice(0, 60)}`, loc);
    }
  }

  /** `django.conf.settings`: the Django settings module of the workspace, when it is known. */
  private djangoSettings(loc: Loc): Value {
    const mod = this.host.djangoSettingsModule?.();
    return mod && this.host.getModule(mod) ? this.moduleRef(mod) : unknown('django.conf.settings: the Django settings module is not known', loc);
  }

  private attribute(src: ModuleSource, e: Extract<Expr, { t: 'attr' }>, env: Env, loc: Loc): Value {
    return this.attributeOf(this.eval(src, e.obj, env), e, loc);
  }

  /** `obj.name` with `obj` already evaluated (method chains evaluate each object once). */
  private attributeOf(obj: Value, e: Extract<Expr, { t: 'attr' }>, loc: Loc): Value {
    if (obj.kind === 'ref') {
      const r = obj.ref;
      if (r.kind === 'module') {
        const m = this.module(r.module);
        const v = m?.env.get(e.name);
        if (v) return v;
        if (this.host.getModule(`${r.module}.${e.name}`)) return this.moduleRef(`${r.module}.${e.name}`);
        return unknown(`'${e.name}' is not defined at the top level of ${r.module}`, loc);
      }
      if (r.kind === 'class') {
        const v = this.classAttr(r, e.name);
        if (v) return v;
        return unknown(`class ${r.name} has no attribute '${e.name}' that can be read`, loc);
      }
      if (r.kind === 'external') {
        // `from django.conf import settings; settings.NAME`: NAME of the Django settings module
        if (r.module === 'django.conf.settings' && !r.name) {
          const settings = this.djangoSettings(loc);
          return settings.kind === 'unknown' ? unknown(`settings.${e.name}: ${settings.reason}`, loc) : this.attributeOf(settings, e, loc);
        }
        const full = r.name ? `${r.module}.${r.name}.${e.name}` : `${r.module}.${e.name}`;
        if (full === 'django.conf.settings') return this.djangoSettings(loc);
        return { kind: 'ref', ref: { module: full, name: '', kind: 'external' }, loc };
      }
      if (r.kind === 'app' || r.kind === 'task') return { kind: 'ref', ref: { ...r, name: `${r.name}.${e.name}` }, loc };
    }
    // Enum members stand for their value; `.value` / `.name` of a plain value.
    if (e.name === 'value' && obj.kind !== 'unknown') return obj;
    if (obj.kind === 'unknown') return unknown(`${exprText(e)}: ${obj.reason}`, loc);
    return unknown(`attribute '${e.name}' of ${describe(obj)}`, loc);
  }

  /** A class attribute, following workspace base classes (Enum members read as their values). */
  classAttr(ref: SymbolRef, name: string, depth = 0): Value | undefined {
    if (depth > 20) return undefined;
    const info = this.module(ref.module)?.classes.get(ref.name);
    if (!info) return undefined;
    const v = info.attrs.get(name);
    if (v) return v;
    for (const b of info.bases) {
      if (b.kind === 'ref' && b.ref.kind === 'class') {
        const inherited = this.classAttr(b.ref, name, depth + 1);
        if (inherited) return inherited;
      }
    }
    return undefined;
  }

  private isCelerySubclass(ref: SymbolRef, depth = 0): boolean {
    const info = depth < 20 ? this.classInfo(ref) : undefined;
    return !!info?.bases.some((b) => b.kind === 'ref' && (qualified(b.ref).endsWith('celery.Celery') || (b.ref.kind === 'class' && this.isCelerySubclass(b.ref, depth + 1))));
  }

  classInfo(ref: SymbolRef): ClassInfo | undefined {
    return this.module(ref.module)?.classes.get(ref.name);
  }

  private call(src: ModuleSource, e: Extract<Expr, { t: 'call' }>, env: Env, loc: Loc): Value {
    // Methods on known values first: str.format, str.lower, dict.get, ...
    let fn: Value;
    if (e.fn.t === 'attr') {
      const self = this.eval(src, e.fn.obj, env);
      const m = this.method(src, self, e.fn.name, e, env, loc);
      if (m) return capped(m, loc);
      fn = this.attributeOf(self, e.fn, this.loc(src, e.fn));
    } else fn = this.eval(src, e.fn, env);
    if (fn.kind !== 'ref') return unknown(`call of ${exprText(e.fn)}: ${fn.kind === 'unknown' ? fn.reason : 'not callable'}`, loc);
    const q = qualified(fn.ref);
    const args = () => e.args.map((a) => this.eval(src, a, env));
    const kwargs = () => {
      const out: Record<string, Value> = {};
      for (const kw of e.kwargs) {
        if (kw.name) out[kw.name] = this.eval(src, kw.value, env);
        else {
          const d = this.eval(src, kw.value, env);
          if (d.kind === 'dict') for (const en of d.entries) if (en.key.kind === 'str') out[en.key.value] = en.value;
        }
      }
      return out;
    };
    if (q === 'celery.Celery' || q === 'celery.app.Celery' || q === 'celery.app.base.Celery' || (fn.ref.kind === 'class' && this.isCelerySubclass(fn.ref))) {
      return this.host.createApp?.(src.module, e, args(), kwargs(), loc, fn.ref.kind === 'class' ? fn.ref : undefined) ?? unknown('Celery app', loc);
    }
    const kombu = KOMBU[q];
    if (kombu) return { kind: 'kombu', type: kombu, args: args(), kwargs: kwargs(), loc };
    switch (q) {
      case 'builtins.dict': {
        const a = args();
        let entries: DictEntry[] = [];
        if (a[0]) {
          if (a[0].kind === 'dict') entries = [...a[0].entries];
          else {
            const pairs = iterate(a[0]);
            if (!pairs) return unknown('dict() of a value that is not known', loc);
            for (const p of pairs) if ((p.kind === 'tuple' || p.kind === 'list') && p.items.length === 2) entries = setEntry(entries, p.items[0], p.items[1]);
          }
        }
        for (const [k, v] of Object.entries(kwargs())) entries = setEntry(entries, { kind: 'str', value: k }, v);
        return { kind: 'dict', entries, loc };
      }
      case 'builtins.list': case 'builtins.tuple': case 'builtins.set': case 'builtins.frozenset': case 'builtins.sorted': {
        const a = args()[0];
        if (!a) return { kind: q === 'builtins.tuple' ? 'tuple' : q === 'builtins.set' ? 'set' : 'list', items: [], loc };
        const items = iterate(a);
        if (!items) return unknown(`${q.slice(9)}() of an unknown value`, loc);
        return { kind: q === 'builtins.tuple' ? 'tuple' : 'list', items, loc };
      }
      case 'builtins.str': {
        const a = args()[0];
        const s = a ? asText(a) : '';
        return s === undefined ? unknown('str() of an unknown value', loc) : mergeMeta({ kind: 'str', value: s, loc }, a ? [a] : []);
      }
      case 'builtins.int': {
        const a = args()[0];
        if (a?.kind === 'num') return a;
        if (a?.kind === 'str' && /^\s*-?\d+\s*$/.test(a.value)) return mergeMeta({ kind: 'num', value: parseInt(a.value, 10), loc }, [a]);
        return unknown('int() of an unknown value', loc);
      }
      case 'builtins.bool': {
        const t = truthiness(args()[0] ?? { kind: 'bool', value: false });
        return t === undefined ? unknown('bool() of an unknown value', loc) : { kind: 'bool', value: t, loc };
      }
      case 're.compile': {
        const a = args()[0];
        return a?.kind === 'str' ? { kind: 'regex', pattern: a.value, loc } : unknown('re.compile of an unknown pattern', loc);
      }
      case 'os.environ.get': case 'os.getenv': case 'os.environ.setdefault':
        return this.envLookup(args()[0], args()[1] ?? kwargs()['default'], loc, false);
      case 'decouple.config': case 'environs.Env': case 'django-environ':
        return this.envLookup(args()[0], kwargs()['default'], loc, false);
    }
    // django-environ / environs style: env('X', default=...), env.str('X', 'd'), config('X', default=...)
    if (/(^|\.)(Env|env|config)(\.(str|int|bool|list|json))?$/.test(q) && (q.startsWith('environ.') || q.startsWith('environs.') || q.startsWith('decouple.') || fn.ref.kind === 'external')) {
      const a = args();
      const k = kwargs();
      if (a[0]?.kind === 'str' && /^[A-Z_][A-Z0-9_]*$/.test(a[0].value)) return this.envLookup(a[0], k['default'] ?? a[1], loc, false);
    }
    if (fn.ref.kind === 'class') return { kind: 'ref', ref: { ...fn.ref, kind: 'class', name: fn.ref.name }, loc, conditional: undefined };
    if (fn.ref.kind === 'function') {
      const made = this.appFactory(fn.ref, args(), kwargs()) ?? this.classFactory(fn.ref) ?? this.returned(fn.ref, args(), kwargs(), loc);
      if (made) return made;
    }
    return unknown(`result of calling ${exprText(e.fn)}()`, loc);
  }

  /** A class statement's attributes (each body statement run in the class scope) and bases. */
  private classBody(src: ModuleSource, st: Extract<Stmt, { s: 'class' }>, env: Env, res: ModuleResult, conditional: boolean, name = st.name): ClassInfo {
    const attrs: Env = new Map();
    const scope = new Map(env);
    const inner: ModuleResult = { module: res.module, env: scope, classes: res.classes, functions: new Map(), effects: [], assigned: new Map() };
    for (const b of st.body) {
      const before = new Map(scope);
      this.stmt(src, b, scope, inner, conditional);
      for (const [k, v] of scope) if (before.get(k) !== v) attrs.set(k, v);
    }
    return { module: res.module, name, bases: st.bases.map((b) => this.eval(src, b, env)), attrs, stmt: st };
  }

  /**
   * `Settings.load_settings(__name__)`: a classmethod that copies the class's UPPERCASE members onto the module
   * (class-based Django settings, readthedocs/core/settings.py). Known by its shape: a classmethod given the
   * module's `__name__` whose body calls setattr. Properties are computed as it runs: unknown here, said.
   */
  private exportClassSettings(src: ModuleSource, e: Extract<Expr, { t: 'call' }>, env: Env, res: ModuleResult): void {
    const arg = e.args[0];
    if (e.fn.t !== 'attr' || e.args.length !== 1 || arg.t !== 'name' || arg.id !== '__name__') return;
    const cls = this.eval(src, e.fn.obj, env);
    if (cls.kind !== 'ref' || cls.ref.kind !== 'class') return;
    const method = this.classMethod(cls.ref, e.fn.name)?.def;
    if (!method || !method.decorators.some((d) => d.t === 'name' && d.id === 'classmethod') || !callsSetattr(method.body)) return;
    const at = this.loc(src, e);
    const seen = new Set<string>();
    const collect = (ref: SymbolRef, depth: number) => {
      const info = this.classInfo(ref);
      if (!info) return;
      for (const [k, v] of info.attrs) {
        if (seen.has(k) || k.startsWith('_') || k !== k.toUpperCase() || !/[A-Z]/.test(k)) continue;
        seen.add(k);
        const def = info.stmt.body.find((b): b is Extract<Stmt, { s: 'def' }> => b.s === 'def' && b.name === k);
        if (def && !def.decorators.some((d) => d.t === 'name' && d.id === 'property')) continue; // a method, not exported
        env.set(k, def ? unknown(`${k} is a property of ${info.name}, computed when ${e.fn.t === 'attr' ? e.fn.name : 'the settings'}() runs`, at) : v);
        res.assigned.set(k, v.loc ?? at);
      }
      if (depth < 10) for (const b of info.bases) if (b.kind === 'ref' && b.ref.kind === 'class') collect(b.ref, depth + 1);
    };
    collect(cls.ref, 0);
  }

  /**
   * A task's automatic name under an app class that overrides `gen_task_name` (Celery's docs: drop `.tasks`
   * from the module): the method run on (name, module); `super().gen_task_name(n, m)` is Celery's `m.n`.
   * Undefined when the class does not override it; an Unknown when the body cannot be followed.
   */
  genTaskName(cls: SymbolRef, name: string, module: string): Value | undefined {
    const found = this.classMethod(cls, 'gen_task_name');
    const src = found && this.host.getModule(found.module);
    const res = found && this.module(found.module);
    if (!found || !src || !res) return undefined;
    const def = found.def;
    const at = this.loc(src, { r: def.nameR });
    const env: Env = new Map(res.env);
    const [self, nameP, moduleP] = def.sig.map((p) => p.name);
    if (!self || !nameP || !moduleP || def.sig.length !== 3) return unknown(`gen_task_name of ${cls.name} takes other parameters than (self, name, module)`, at);
    env.set(self, unknown('self'));
    env.set(nameP, { kind: 'str', value: name });
    env.set(moduleP, { kind: 'str', value: module });
    const scratch: ModuleResult = { module: found.module, env, classes: new Map(), functions: new Map(), effects: [], assigned: new Map() };
    for (const st of def.body) {
      if (st.s !== 'return') { this.stmt(src, st, env, scratch, false); continue; }
      const e = st.e;
      const viaSuper = e?.t === 'call' && e.fn.t === 'attr' && e.fn.name === 'gen_task_name' && e.fn.obj.t === 'call' && e.fn.obj.fn.t === 'name' && e.fn.obj.fn.id === 'super';
      if (viaSuper && e.t === 'call' && e.args.length === 2) {
        const [n, m] = e.args.map((x) => this.eval(src, x, env));
        if (n.kind === 'str' && m.kind === 'str') return { kind: 'str', value: [m.value, n.value].filter(Boolean).join('.'), loc: at };
      } else if (e) {
        const v = this.eval(src, e, env);
        if (v.kind === 'str') return { ...v, loc: at };
      }
      break;
    }
    return unknown(`${cls.name}.gen_task_name (${src.file}:${def.nameR[0] + 1}) names tasks in a way that cannot be followed`, at);
  }

  /** A method defined in a class of the workspace or in one of its bases, with the module that defines it. */
  private classMethod(ref: SymbolRef, name: string, depth = 0): { def: Extract<Stmt, { s: 'def' }>; module: string } | undefined {
    const info = depth < 10 ? this.classInfo(ref) : undefined;
    if (!info) return undefined;
    const own = info.stmt.body.find((b): b is Extract<Stmt, { s: 'def' }> => b.s === 'def' && b.name === name);
    if (own) return { def: own, module: info.module };
    for (const b of info.bases) if (b.kind === 'ref' && b.ref.kind === 'class') { const m = this.classMethod(b.ref, name, depth + 1); if (m) return m; }
    return undefined;
  }

  /** `def conf(): ...; class Conf: ...; return Conf` — a settings class built inside a function and returned
   * (bk-monitor's `config_from_object(rabbitmq_conf())`): that class, its body read with the function's
   * parameters and other locals unknown, registered as `conf.<locals>.Conf`. */
  private classFactory(ref: SymbolRef): Value | undefined {
    const owner = this.module(ref.module);
    const def = owner?.functions.get(ref.name);
    const src = this.host.getModule(ref.module);
    const last = def?.body[def.body.length - 1];
    if (!owner || !def || !src || last?.s !== 'return' || last.e?.t !== 'name') return undefined;
    const returned = last.e.id;
    const st = def.body.find((x): x is Extract<Stmt, { s: 'class' }> => x.s === 'class' && x.name === returned);
    if (!st) return undefined;
    const name = `${ref.name}.<locals>.${st.name}`;
    if (!owner.classes.has(name)) {
      const env: Env = new Map(owner.env);
      for (const p of def.sig) env.set(p.name, unknown(`parameter '${p.name}' of ${ref.name}()`));
      // the function's other locals (assigned before the class) are not run: unknown where the class reads them
      for (const x of def.body) if (x.s === 'assign' && x.target.t === 'name') env.set(x.target.id, unknown(`'${x.target.id}', a local of ${ref.name}()`));
      owner.classes.set(name, this.classBody(src, st, env, owner, false, name));
    }
    return { kind: 'ref', ref: { module: ref.module, name, kind: 'class', loc: this.loc(src, { r: st.nameR }) } };
  }

  /**
   * An app factory (`def create_app(): app = Celery(...); app.conf.x = ...; return app`): its body runs
   * statically with the call's arguments, so the app and its configuration are seen. Only functions that
   * build a Celery app are run this way, a few levels deep at most.
   */
  private appFactory(ref: SymbolRef, args: Value[], kwargs: Record<string, Value>): Value | undefined {
    const owner = this.module(ref.module);
    const def = owner?.functions.get(ref.name);
    const src = this.host.getModule(ref.module);
    const res = this.running[this.running.length - 1];
    if (!def || !src || !res || this.factoryDepth >= 3 || !buildsCeleryApp(def.body)) return undefined;
    const env: Env = new Map(owner!.env);
    def.sig.forEach((p, i) => {
      const v = p.kind === 'pos' || p.kind === 'pos-default' ? args[i] ?? kwargs[p.name] : kwargs[p.name];
      env.set(p.name, v ?? unknown(`parameter '${p.name}' of ${ref.name}()`));
    });
    this.factoryDepth++;
    try {
      for (const st of def.body) {
        if (st.s === 'return') return st.e ? this.eval(src, st.e, env) : { kind: 'none' };
        this.stmt(src, st, env, res, false);
      }
    } finally {
      this.factoryDepth--;
    }
    return { kind: 'none' };
  }

  /**
   * A helper whose body is one `return <expression>` (a docstring aside), called with known arguments:
   * `celery_queue('publish')` with `def celery_queue(name): return '{}{}'.format(os.environ.get('PREFIX', ''), name)`.
   * Its defaults are evaluated where it is defined; the value is placed at the call. Anything else stays Unknown.
   */
  private returned(ref: SymbolRef, args: Value[], kwargs: Record<string, Value>, loc: Loc): Value | undefined {
    const owner = this.module(ref.module);
    const def = owner?.functions.get(ref.name);
    const src = this.host.getModule(ref.module);
    const body = def?.body.filter((st) => !(st.s === 'expr' && st.e.t === 'str'));
    const ret = body?.length === 1 && body[0].s === 'return' ? body[0].e : null;
    if (!def || !src || !ret || def.sig.some((p) => p.kind === 'star' || p.kind === 'dstar') || this.factoryDepth >= 3) return undefined;
    const env: Env = new Map(owner!.env);
    const positional = def.sig.filter((p) => p.kind === 'pos' || p.kind === 'pos-default');
    if (args.length > positional.length || Object.keys(kwargs).some((k) => !def.sig.some((p) => p.name === k))) return undefined;
    for (const p of def.sig) {
      const i = positional.indexOf(p);
      const v = (i >= 0 ? args[i] : undefined) ?? kwargs[p.name] ?? (p.d ? this.eval(src, p.d, owner!.env) : undefined);
      if (!v) return undefined; // a required argument missing: the call raises TypeError
      env.set(p.name, v);
    }
    this.factoryDepth++;
    try {
      const v = this.eval(src, ret, env);
      return v.kind === 'unknown' ? v : { ...v, loc };
    } finally {
      this.factoryDepth--;
    }
  }

  private method(src: ModuleSource, self: Value, name: string, e: Extract<Expr, { t: 'call' }>, env: Env, loc: Loc): Value | undefined {
    if (self.kind === 'str') {
      const a = e.args.map((x) => this.eval(src, x, env));
      switch (name) {
        case 'lower': return { ...self, value: self.value.toLowerCase(), loc };
        case 'upper': return { ...self, value: self.value.toUpperCase(), loc };
        case 'strip': return { ...self, value: self.value.trim(), loc };
        case 'format': {
          const kw: Record<string, Value> = {};
          for (const k of e.kwargs) if (k.name) kw[k.name] = this.eval(src, k.value, env);
          let i = 0;
          let failed: string | undefined;
          const out = self.value.replace(/\{\{|\}\}|\{([^{}!:]*)(![rsa])?(:[^{}]*)?\}/g, (m, field: string) => {
            if (m === '{{') return '{';
            if (m === '}}') return '}';
            const v = field === '' ? a[i++] : /^\d+$/.test(field) ? a[Number(field)] : kw[field];
            const s = v ? asText(v) : undefined;
            if (s === undefined) { failed = field || String(i - 1); return ''; }
            return s;
          });
          if (failed !== undefined) return unknown(`.format() argument ${failed} is not known`, loc);
          return mergeMeta({ kind: 'str', value: out, loc }, [self, ...a, ...Object.values(kw)]);
        }
        case 'join': {
          const items = a[0] ? iterate(a[0]) : undefined;
          const parts = items?.map(asText);
          if (!parts || parts.some((p) => p === undefined)) return unknown('.join() of unknown items', loc);
          return mergeMeta({ kind: 'str', value: parts.join(self.value), loc }, [self, ...(items ?? [])]);
        }
        case 'replace': {
          if (a[0]?.kind === 'str' && a[1]?.kind === 'str') return { ...self, value: self.value.split(a[0].value).join(a[1].value), loc };
          return unknown('.replace() with unknown arguments', loc);
        }
        case 'endswith': case 'startswith': {
          const options = a[0]?.kind === 'str' ? [a[0]] : a[0]?.kind === 'tuple' ? a[0].items : undefined;
          if (!options?.every((o) => o.kind === 'str') || a.length > 1) return unknown(`.${name}() with unknown arguments`, loc);
          const test = (o: string) => (name === 'endswith' ? self.value.endsWith(o) : self.value.startsWith(o));
          return { kind: 'bool', value: options.some((o) => o.kind === 'str' && test(o.value)), loc };
        }
      }
      return undefined;
    }
    if (self.kind === 'dict' && name === 'get') {
      const k = e.args[0] ? this.eval(src, e.args[0], env) : undefined;
      const found = k ? dictGet(self, k) : undefined;
      return found ?? (e.args[1] ? this.eval(src, e.args[1], env) : { kind: 'none', loc });
    }
    if (self.kind === 'dict' && (name === 'copy')) return self;
    if (self.kind === 'dict' && (name === 'keys' || name === 'values' || name === 'items')) {
      const items = self.entries.map((en) => name === 'keys' ? en.key : name === 'values' ? en.value : { kind: 'tuple' as const, items: [en.key, en.value] });
      return { kind: 'list', items, loc };
    }
    return undefined;
  }

  private envLookup(nameV: Value | undefined, def: Value | undefined, loc: Loc, subscript: boolean): Value {
    const variable = nameV?.kind === 'str' ? nameV.value : '?';
    const given = variable !== '?' ? this.host.envValue?.(variable) : undefined;
    if (given !== undefined) return { kind: 'str', value: given, loc, env: { variable, hasDefault: true } };
    if (subscript) return unknown(`environment variable ${variable} (os.environ[...] has no default)`, loc);
    // Unset, os.environ.get / getenv give None: what real Celery sees without the variable.
    if (!def) return { kind: 'none', loc, env: { variable, hasDefault: false } };
    return { ...def, env: { variable, hasDefault: true } } as Value;
  }

  binop(src: ModuleSource, op: string, l: Value, r: Value, e: { r: Span }): Value {
    return capped(this.binopRaw(src, op, l, r, e), this.loc(src, e));
  }

  private binopRaw(src: ModuleSource, op: string, l: Value, r: Value, e: { r: Span }): Value {
    const loc = this.loc(src, e);
    if (op === '+') {
      if (l.kind === 'str' && r.kind === 'str') return mergeMeta({ kind: 'str', value: l.value + r.value, loc }, [l, r]);
      if (l.kind === 'num' && r.kind === 'num') return { kind: 'num', value: l.value + r.value, loc };
      if ((l.kind === 'list' || l.kind === 'tuple') && (r.kind === 'list' || r.kind === 'tuple')) return { kind: l.kind, items: [...l.items, ...r.items], loc };
    }
    if (op === '|' && l.kind === 'dict' && r.kind === 'dict') {
      let entries = l.entries;
      for (const en of r.entries) entries = setEntry(entries, en.key, en.value);
      return { kind: 'dict', entries, loc };
    }
    if (op === '%' && l.kind === 'str') {
      const args = r.kind === 'tuple' ? r.items : [r];
      let i = 0;
      let bad = false;
      const out = l.value.replace(/%[sdr%]/g, (m) => {
        if (m === '%%') return '%';
        const s = args[i] ? asText(args[i++]) : undefined;
        if (s === undefined) bad = true;
        return s ?? '';
      });
      return bad ? unknown('% formatting with unknown values', loc) : mergeMeta({ kind: 'str', value: out, loc }, [l, ...args]);
    }
    if (l.kind === 'num' && r.kind === 'num') {
      const v = op === '-' ? l.value - r.value : op === '*' ? l.value * r.value : op === '//' ? Math.floor(l.value / r.value) : undefined;
      if (v !== undefined) return { kind: 'num', value: v, loc };
    }
    if (l.kind === 'unknown') return l;
    if (r.kind === 'unknown') return r;
    return unknown(`operator ${op} on ${l.kind} and ${r.kind}`, loc);
  }
}

// ------------------------------------------------------------ helpers

const CONFIG_METHODS = new Set(['config_from_object', 'config_from_envvar', 'autodiscover_tasks', 'add_defaults']);

/** Could this callee / assignment target configure a Celery app (`app.conf...`, `app.config_from_object`)? */
function configures(e: Expr): boolean {
  for (let x: Expr | undefined = e, depth = 0; x && depth < 50; depth++) {
    if (x.t === 'attr') { if (x.name === 'conf' || CONFIG_METHODS.has(x.name)) return true; x = x.obj; }
    else if (x.t === 'subscript') x = x.obj;
    else return false;
  }
  return false;
}

/** Does a configuring call or assignment occur in this body (in branches and loops too)? */
function configuresIn(body: Stmt[]): boolean {
  return body.some((st) => (st.s === 'expr' && st.e.t === 'call' && configures(st.e.fn))
    || (st.s === 'assign' && (st.target.t === 'attr' || st.target.t === 'subscript') && configures(st.target))
    || ((st.s === 'for' || st.s === 'if') && (configuresIn(st.body) || (st.s === 'if' && configuresIn(st.orelse)))));
}

/** Does this body call `...Celery(...)` anywhere (it makes an app: a factory, not a configurer)? */
function makesApp(body: Stmt[]): boolean {
  let found = false;
  const visit = (x: unknown): void => {
    if (found || !x || typeof x !== 'object') return;
    if (Array.isArray(x)) { for (const y of x) visit(y); return; }
    if (isCeleryCall(x as Expr)) { found = true; return; }
    for (const k in x) if (k !== 'r' && k !== 'nameR') visit((x as Record<string, unknown>)[k]);
  };
  visit(body);
  return found;
}

/** A body without its nested defs and classes (running one must not register nested tasks or apps). */
function withoutDefs(body: Stmt[]): Stmt[] {
  return body.flatMap((st): Stmt[] => st.s === 'def' || st.s === 'class' ? []
    : st.s === 'if' ? [{ ...st, body: withoutDefs(st.body), orelse: withoutDefs(st.orelse) }]
    : st.s === 'for' ? [{ ...st, body: withoutDefs(st.body) }] : [st]);
}

/** Python's `s[a:b]` for integer bounds (negative from the end, clamped). */
function sliceOf(s: string, from?: string, to?: string): string {
  const at = (x: string | undefined, d: number) => { if (x === undefined) return d; const n = Number(x); return n < 0 ? Math.max(0, s.length + n) : Math.min(n, s.length); };
  return s.slice(at(from, 0), at(to, s.length));
}

/** Does this body call `setattr(...)` anywhere (in loops and branches too)? */
function callsSetattr(body: Stmt[]): boolean {
  return body.some((st) => (st.s === 'expr' && st.e.t === 'call' && st.e.fn.t === 'name' && st.e.fn.id === 'setattr')
    || ((st.s === 'for' || st.s === 'if') && (callsSetattr(st.body) || (st.s === 'if' && callsSetattr(st.orelse)))));
}

/** Values that grew beyond what configuration ever holds (`X = X + X` in a loop) become unknown. */
function capped(v: Value, loc: Loc): Value {
  if (v.kind === 'str' && v.value.length > MAX_STRING) return unknown(`a string of ${v.value.length} characters: too large to follow`, loc);
  if ((v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') && v.items.length > MAX_ITEMS) return unknown(`a ${v.kind} of ${v.items.length} items: too large to follow`, loc);
  if (v.kind === 'dict' && v.entries.length > MAX_ITEMS) return unknown(`a dict of ${v.entries.length} entries: too large to follow`, loc);
  return v;
}

/** Does this function body construct a Celery app (a call to `Celery(...)` / `x.Celery(...)` at its top level)? */
function buildsCeleryApp(body: Stmt[]): boolean {
  return body.some((st) => (st.s === 'assign' && isCeleryCall(st.value)) || (st.s === 'return' && !!st.e && isCeleryCall(st.e)));
}

/** `Celery(...)`, `x.Celery(...)`, a subclass named `...Celery(...)`. */
function isCeleryCall(e: Expr): boolean {
  return e.t === 'call' && ((e.fn.t === 'name' && /Celery$/.test(e.fn.id)) || (e.fn.t === 'attr' && /Celery$/.test(e.fn.name)));
}

/**
 * The names an expression reads and the functions it calls, when its value depends on nothing else: literals,
 * containers, operators, subscripts, f-strings and calls of a bare name (checked to be a kombu constructor or
 * a builtin before a value is reused). Attributes (other modules, app.conf) and lambdas are not. Cached per node.
 */
function pureReads(e: Expr): { names: string[]; callees: string[] } | undefined {
  let hit = pureMemo.get(e);
  if (hit === undefined) pureMemo.set(e, (hit = computePureReads(e) ?? null));
  return hit ?? undefined;
}
const pureMemo = new WeakMap<Expr, { names: string[]; callees: string[] } | null>();

function computePureReads(root: Expr): { names: string[]; callees: string[] } | undefined {
  const names = new Set<string>();
  const callees = new Set<string>();
  const walk = (e: Expr): boolean => {
    switch (e.t) {
      case 'str': case 'num': case 'bool': case 'none': return true;
      case 'name': names.add(e.id); return true;
      case 'fstr': return e.parts.every((p) => typeof p === 'string' || walk(p));
      case 'list': case 'tuple': case 'set': return e.items.every(walk);
      case 'star': return walk(e.e);
      case 'dict': return e.entries.every((en) => (en.k === null || walk(en.k)) && walk(en.v));
      case 'binop': case 'compare': return walk(e.l) && walk(e.rgt);
      case 'bool_op': return e.args.every(walk);
      case 'cond': return walk(e.a) && walk(e.test) && walk(e.b);
      case 'subscript': return walk(e.obj) && walk(e.index);
      case 'call':
        if (e.fn.t !== 'name') return false;
        names.add(e.fn.id);
        callees.add(e.fn.id);
        return e.args.every(walk) && e.kwargs.every((k) => walk(k.value));
      default: return false;
    }
  };
  return walk(root) ? { names: [...names], callees: [...callees] } : undefined;
}

function sameDependencies(deps: Array<[string, Value | undefined]>, env: Env): boolean {
  for (let i = 0; i < deps.length; i++) if (!sameDependency(deps[i][1], env.get(deps[i][0]))) return false;
  return true;
}

/** The same value for a reused assignment: the same object, or the same library symbol (re-imported each run). */
function sameDependency(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  return !!a && !!b && a.kind === 'ref' && b.kind === 'ref' && a.ref.kind === 'external' && b.ref.kind === 'external' && qualified(a.ref) === qualified(b.ref);
}

const BUILTINS: Record<string, true> = { dict: true, list: true, tuple: true, set: true, frozenset: true, str: true, int: true, bool: true, sorted: true };

const KOMBU: Record<string, 'Queue' | 'Exchange' | 'binding' | 'Broadcast'> = {
  'kombu.Queue': 'Queue', 'kombu.entity.Queue': 'Queue', 'kombu.Exchange': 'Exchange', 'kombu.entity.Exchange': 'Exchange',
  'kombu.binding': 'binding', 'kombu.entity.binding': 'binding', 'kombu.common.Broadcast': 'Broadcast', 'kombu.Broadcast': 'Broadcast',
};
/** Calls whose value depends on their arguments only (a reused assignment may contain them). */
const PURE_CALLS = new Set([...Object.keys(KOMBU), ...Object.keys(BUILTINS).map((b) => `builtins.${b}`)]);
