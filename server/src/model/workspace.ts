/**
 * The workspace model: every Python module's IR and every worker command, evaluated into apps, settings
 * sources, tasks and call sites. Rebuilt cheaply: files keep their IR; evaluation is lazy and cached
 * until the next change.
 */
import { basename, dirname, join } from 'node:path';
import { spanWithin, toRange, type Expr, type Stmt } from '../parse/ir';
import type { AppFact, CallFact, CallVia, ConfigSource, Loc, SettingFact, SymbolRef, TaskFact, TaskOptionKey, Value, WorkerFact } from './types';
import { Evaluator, type Env, type ModuleResult } from './evaluate';
import { dotted, keyOf, qualified, visitCalls } from './values';
import { canvasSend, type CanvasHooks, type PartOverride } from './canvas';
import { commandOptionDefaults, commandOptionsParam } from './django-commands';
import { callsNamed, kwargsFromCallers, type Caller } from './callers';
import { flaskConfigAt, lineageOf, type FlaskHooks } from './flask-config';
import type { ModuleSource } from './modules';
import type { ExternalApp } from '../parse/projectFile';
import { settingStyle, resolveSettings } from '../routing/settings';

const OPTION_KEYS: TaskOptionKey[] = ['queue', 'routing_key', 'exchange', 'priority', 'exchange_type'];
/** Call sites also carry the delay (Celery 5.5 reroutes countdown/ETA sends when a quorum queue exists). */
const CALL_OPTION_KEYS: TaskOptionKey[] = [...OPTION_KEYS, 'countdown', 'eta'];
/** `celery.current_app`: a proxy to the app current at run time — the project's app, wherever it is made. */
const CURRENT_APP = /^celery(\._state|\.app)?\.current_app$/;
const CURRENT_APP_TASK = /^celery(\._state|\.app)?\.current_app\.task$/;
/** `X.task` of an app imported from a package outside the workspace: `X` is `app` / `celery` / `celery_app` of a
 * module under a `celery` package or module (`blueapps.core.celery.celery.app`, `common.celery_app.app`). */
const EXTERNAL_APP_TASK = /^(?!celery\.)(?:[\w]+\.)*\w*celery\w*(?:\.[\w]+)*\.(?:app|celery|celery_app)\.task$/;
/** Celery 4's `celery.task.task` / `periodic_task` (removed in 5.0): tasks of the current app. */
const CELERY4_TASK = /^celery\.task(\.base)?\.(task|periodic_task)$/;
const SEND_METHODS = new Set<CallVia>(['delay', 'apply_async', 'send_task', 's', 'si', 'signature', 'set', 'map', 'starmap', 'chunks']);
const BUILTIN_CANVAS = new Set(['map', 'starmap', 'chunks']);
const SIGNATURE_METHODS = new Set(['s', 'si', 'signature', 'set']);
/** Folders of tests (a settings module found there is not the one the project runs with). */
const TEST_FOLDER = /^(?:tests?|testing|.*_tests?)$/;
/** A test module (in a test folder, or test_x / x_test / conftest): its fixtures reconfigure apps for tests. */
const isTestModule = (m: string): boolean => { const parts = m.split('.'); return parts.some((p) => TEST_FOLDER.test(p)) || /^(?:test_.*|.*_test|conftest)$/.test(parts[parts.length - 1]); };
const onlyOne = <T>(xs: T[]): T | undefined => (xs.length === 1 ? xs[0] : undefined);
/** How a call takes routing options (see Workspace.callOptions). */
type OptionMode = 'kwargs' | 'signature' | 'none';
const optionMode = (via: CallVia): OptionMode =>
  via === 'apply_async' || via === 'send_task' || via === 'set' ? 'kwargs' : via === 'signature' ? 'signature' : 'none';

export interface WorkspaceOptions {
  /** Extra decorator names that create tasks (`myproject.decorators.task`, or a bare `my_task`). */
  taskDecorators?: string[];
  /** Values for environment variables (project file). */
  env?: Record<string, string>;
  /** An app made outside the workspace (project file `externalApp`), with where it is declared. */
  externalApp?: ExternalApp & { loc: Loc };
}

interface AppRecord { fact: AppFact; ctor: Record<string, Value>; ctorArgs: Value[]; aliases: string[]; /** a Celery subclass */ cls?: SymbolRef }

export class Workspace {
  readonly modules = new Map<string, ModuleSource>();
  readonly byFile = new Map<string, ModuleSource>();
  readonly workers = new Map<string, WorkerFact[]>();
  private evaluator?: Evaluator;
  private appRecords = new Map<string, AppRecord>();
  private tasksByModule = new Map<string, TaskFact[]>();
  private djangoModule?: string | null;
  private suffixIndex?: Map<string, string[]>;

  constructor(public options: WorkspaceOptions = {}) {}

  setModule(src: ModuleSource): void {
    this.modulesVersion++;
    const old = this.byFile.get(src.file);
    if (old) this.modules.delete(old.module);
    this.modules.set(src.module, src);
    this.byFile.set(src.file, src);
    // Same module, new content: re-evaluate it and what depends on it. A new module can change any lookup.
    if (old && old.module === src.module && !mentionsDjangoSettings(old) && !mentionsDjangoSettings(src)) this.invalidateModule(src.module);
    else this.invalidate();
  }

  /** A module loaded on demand (first import): nothing evaluated so far depended on it. */
  addModule(src: ModuleSource): void {
    this.modulesVersion++;
    this.modules.set(src.module, src);
    this.byFile.set(src.file, src);
    this.suffixIndex = undefined;
  }

  /** Forget one module's evaluation and its dependents' (and the apps / tasks their evaluation made). */
  private invalidateModule(name: string): void {
    if (!this.evaluator) return;
    for (const m of this.evaluator.invalidate(name)) {
      this.tasksByModule.delete(m);
      for (const k of [...this.appRecords.keys()]) if (k.startsWith(`${m}:@`)) this.appRecords.delete(k);
    }
  }

  removeFile(file: string): void {
    this.modulesVersion++;
    const old = this.byFile.get(file);
    if (old) { this.modules.delete(old.module); this.byFile.delete(file); }
    if (this.workers.delete(file)) this.workersFlat = undefined;
    this.invalidate();
  }

  setWorkers(file: string, workers: WorkerFact[]): void {
    this.workersFlat = undefined;
    if (workers.length) this.workers.set(file, workers); else this.workers.delete(file);
  }

  invalidate(): void {
    this.evaluator = undefined;
    this.appRecords = new Map();
    this.tasksByModule = new Map();
    this.djangoModule = undefined;
    this.suffixIndex = undefined;
  }

  /** Module lookup by exact dotted name (imports). */
  getModule(name: string): ModuleSource | undefined {
    return this.modules.get(name) ?? this.loader?.(name);
  }

  /** Loads a module that was indexed but not parsed yet (set by the project). */
  loader?: (name: string) => ModuleSource | undefined;
  /** Names of modules indexed but not parsed yet. */
  lazyNames?: () => string[];
  /** Names of modules not parsed yet whose text holds `word` (a function's callers). */
  lazyMentioning?: (word: string) => string[];

  /**
   * For dotted paths in strings (config_from_object, router paths, DJANGO_SETTINGS_MODULE): exact, else the
   * module ending with `.name` — the project may run with a sub-folder on sys.path — when there is one, or one
   * outside test folders (nautobot's `nautobot_config` is development/ and nautobot/core/tests/).
   */
  findModule(name: string): ModuleSource | undefined {
    const exact = this.getModule(name);
    if (exact) return exact;
    if (!this.suffixIndex) {
      this.suffixIndex = new Map();
      for (const m of this.modules.keys()) {
        const parts = m.split('.');
        for (let i = 1; i < parts.length; i++) {
          const suffix = parts.slice(i).join('.');
          const list = this.suffixIndex.get(suffix);
          if (list) list.push(m); else this.suffixIndex.set(suffix, [m]);
        }
      }
    }
    const candidates = new Set([...(this.suffixIndex.get(name) ?? []), ...(this.lazyNames?.().filter((m) => m.endsWith(`.${name}`)) ?? [])]);
    const pick = onlyOne([...candidates]) ?? onlyOne([...candidates].filter((m) => !m.split('.').some((p) => TEST_FOLDER.test(p))));
    return pick ? this.getModule(pick) : undefined;
  }

  get eval(): Evaluator {
    if (!this.evaluator) {
      this.evaluator = new Evaluator({
        getModule: (n) => this.getModule(n),
        // in a Django project folder that is a package (bklog/), `from apps.x import y` is bklog/apps/x.py: the
        // worker runs from that folder
        fromProjectFolder: (src, target) => {
          const prefix = this.djangoFolderPackage(src.module, src.file);
          return prefix && this.getModule(`${prefix}.${target}`) ? `${prefix}.${target}` : undefined;
        },
        envValue: (v) => this.options.env?.[v],
        djangoSettingsModule: () => this.djangoSettingsModule(),
        decorate: (mod, st, env) => this.decorate(mod, st, env),
        createApp: (mod, call, args, kwargs, loc, cls) => this.createApp(mod, call, args, kwargs, loc, cls),
        nameApp: (app, mod, variable) => this.nameApp(app, mod, variable),
        aliasApp: (app, mod, variable) => {
          const rec = app.kind === 'ref' && app.ref.task ? this.appRecords.get(app.ref.task) : undefined;
          if (rec && !rec.aliases.includes(`${mod}:${variable}`)) rec.aliases.push(`${mod}:${variable}`);
        },
      });
    }
    return this.evaluator;
  }

  /** Run every module once (so every app, task and effect is known). */
  private evaluateAll(): void {
    const ev = this.eval;
    for (const name of this.modules.keys()) ev.module(name);
    // An import cycle entered where Python does not enter it (`from superdesk.celery_app import celery` while that
    // module is still running would raise ImportError, so the project imports in another order): the importer is
    // evaluated again, first, now that the module it imports from can complete — its tasks are then seen.
    for (let round = 0; round < 3; round++) {
      const again = ev.takeCycleReaders().filter((m) => this.modules.has(m));
      if (!again.length) break;
      for (const m of again) this.invalidateModule(m);
      for (const m of again) ev.module(m);
      for (const name of this.modules.keys()) ev.module(name);
    }
  }

  // ------------------------------------------------------------------ Django

  /** `os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')` in manage.py / celery.py / wsgi / asgi. */
  djangoSettingsModule(): string | undefined {
    if (this.djangoModule !== undefined) return this.djangoModule ?? undefined;
    const declared = this.options.externalApp?.djangoSettingsModule;
    if (declared) return (this.djangoModule = this.findModule(declared)?.module ?? declared);
    const found: Array<{ module: string; from: string }> = [];
    for (const src of this.modules.values()) {
      visitCalls(src.ir.body, (c) => {
        const fn = dotted(c.fn);
        if ((fn === 'os.environ.setdefault' || fn === 'environ.setdefault') && c.args[0]?.t === 'str' && c.args[0].v === 'DJANGO_SETTINGS_MODULE' && c.args[1]?.t === 'str') {
          found.push({ module: c.args[1].v, from: src.module });
        }
      });
    }
    // Prefer the Celery module's own setdefault, then manage.py.
    const pick = found.find((f) => /celery/.test(f.from)) ?? found.find((f) => /manage$/.test(f.from)) ?? found[0];
    this.djangoModule = pick && this.findModule(pick.module) ? this.findModule(pick.module)!.module : pick?.module ?? null;
    return this.djangoModule ?? undefined;
  }

  // ------------------------------------------------------------------ apps

  private createApp(mod: string, _call: Extract<Expr, { t: 'call' }>, args: Value[], kwargs: Record<string, Value>, loc: Loc, cls?: SymbolRef): Value {
    const main = args[0]?.kind === 'str' ? args[0].value : kwargs['main']?.kind === 'str' ? (kwargs['main'] as { value: string }).value : undefined;
    const key = `${mod}:@${loc.range.start.line}:${loc.range.start.character}`;
    if (!this.appRecords.has(key)) {
      this.appRecords.set(key, { fact: { variable: '', module: mod, main, loc, sources: [], includes: [] }, ctor: kwargs, ctorArgs: args, aliases: [], cls });
    }
    return { kind: 'ref', ref: { module: mod, name: '', kind: 'app', task: key }, loc };
  }

  private nameApp(app: Value, mod: string, variable: string): Value {
    if (app.kind !== 'ref') return app;
    const rec = app.ref.task ? this.appRecords.get(app.ref.task) : undefined;
    if (rec && !rec.fact.variable) rec.fact.variable = variable;
    return { ...app, ref: { module: mod, name: variable, kind: 'app', task: app.ref.task, loc: app.loc } };
  }

  /** Every Celery app of the workspace with its settings sources, in the order Celery applies them. */
  apps(): AppFact[] {
    this.evaluateAll();
    const out: AppFact[] = [];
    for (const [key, rec] of this.appRecords) {
      const fact: AppFact = { ...rec.fact, variable: rec.fact.variable || 'app', sources: [], includes: [], aliases: rec.aliases };
      const ctorSettings = this.ctorSettings(rec);
      const cs = rec.ctor['config_source'];
      const initial = cs ? this.configSource(cs, rec.fact.loc) : undefined;
      if (initial) fact.sources.push(initial);
      if (ctorSettings.settings.length) fact.sources.push(ctorSettings);
      for (const m of this.modules.keys()) {
        const res = this.eval.module(m);
        if (res) this.appEffects(res, key, fact);
      }
      // then what functions and methods do to it when called (after import, as an app is set up) — not test
      // fixtures (bk-monitor's reset_celery_config() empties the config for a test)
      for (const m of this.modules.keys()) {
        if (isTestModule(m)) continue;
        const res = this.eval.module(m);
        if (res) for (const b of this.eval.bodyEffects(m)) this.appEffects({ ...res, effects: b.effects }, key, fact, b.func);
      }
      out.push(fact);
    }
    const ext = this.options.externalApp;
    if (ext) {
      // First: tasks that name no app (shared_task, current_app.task) belong to it.
      const source = this.configSource({ kind: 'str', value: ext.config, loc: ext.loc }, ext.loc);
      if (source) source.namespace = ext.namespace;
      out.unshift({ variable: 'app', module: 'externalApp', loc: ext.loc, sources: source ? [source] : [], includes: [] });
    }
    return out;
  }

  private ctorSettings(rec: AppRecord): ConfigSource {
    const settings: SettingFact[] = [];
    const file = rec.fact.loc;
    const ctorMap: Record<string, string> = { broker: 'broker_url', backend: 'result_backend', include: 'include' };
    for (const [k, v] of Object.entries(rec.ctor)) {
      if (['main', 'loader', 'amqp', 'events', 'log', 'control', 'set_as_current', 'tasks', 'fixups', 'task_cls', 'autofinalize', 'strict_typing', 'namespace'].includes(k)) continue;
      if (k === 'changes' && v.kind === 'dict') {
        for (const en of v.entries) if (en.key.kind === 'str') settings.push(setting(en.key.value, en.value, en.key.loc ?? file));
        continue;
      }
      if (k === 'config_source') continue;
      settings.push(setting(ctorMap[k] ?? k, v, v.loc ?? file));
    }
    const include = rec.ctor['include'];
    if (include && (include.kind === 'list' || include.kind === 'tuple')) rec.fact.includes = include.items.flatMap((i) => (i.kind === 'str' ? [i.value] : []));
    return { kind: 'constructor', name: `${rec.fact.module}.Celery()`, settings, loc: rec.fact.loc };
  }

  /** Effects of one module (or of its function `func`, when called) on the app `key`: config_from_object,
   * conf.update, conf.x = ... */
  private appEffects(res: ModuleResult, key: string, fact: AppFact, func?: string): void {
    const src = this.getModule(res.module);
    if (!src) return;
    const where = func ? `${res.module}.${func}()` : res.module;
    const isApp = (e: Expr, env: Env): boolean => {
      const v = this.eval.eval(src, e, env);
      return v.kind === 'ref' && v.ref.kind === 'app' && v.ref.task === key;
    };
    /** `app.conf.NAME` → NAME, when the object is this app. */
    const confAttr = (e: Expr, env: Env): string | undefined =>
      e.t === 'attr' && e.obj.t === 'attr' && e.obj.name === 'conf' && isApp(e.obj.obj, env) ? e.name : undefined;
    /** In-place change of the setting's current value (`app.conf.task_routes.update(...)`): Celery hands out the
     *  very object that supplies the value, so the mutation lands in that layer. */
    const mutateSetting = (name: string, change: (cur: Value) => Value | undefined, loc: Loc) => {
      const eff = resolveSettings(fact).get(name);
      const next = change(eff.value);
      if (!next) return;
      if (eff.fact) eff.fact.value = next;
      else fact.sources.push({ kind: 'conf-attr', name: `${where}: ${fact.variable || 'app'}.conf.${name}`, settings: [setting(name, next, loc)], loc });
    };
    for (const eff of res.effects) {
      if (eff.kind === 'call') {
        const c = eff.call;
        if (c.fn.t !== 'attr') continue;
        const method = c.fn.name;
        const mutated = confAttr(c.fn.obj, eff.env);
        if (mutated) {
          mutateSetting(mutated, (cur) => this.eval.mutate(src, cur, c, eff.env), { file: src.file, range: toRange(c.r) });
          continue;
        }
        if (method === 'config_from_object' && isApp(c.fn.obj, eff.env)) {
          const obj = c.args[0] ?? c.kwargs.find((k) => k.name === 'obj')?.value;
          const nsE = c.kwargs.find((k) => k.name === 'namespace')?.value;
          const ns = nsE ? this.eval.eval(src, nsE, eff.env) : undefined;
          const at: Loc = { file: src.file, range: toRange(c.r) };
          const value = obj ? this.eval.eval(src, obj, eff.env) : undefined;
          // Flask's `config_from_object(app.config, namespace='CELERY')`: the app's config object, built in the code
          const source = obj && value ? (value.kind === 'unknown' ? this.flaskSource(src, func, obj, c.r, at) : undefined) ?? this.configSource(value, at) : undefined;
          // config_from_object replaces the previous source; namespace is kept unless given.
          fact.sources = fact.sources.filter((s) => s.kind !== 'module' && s.kind !== 'class');
          if (source) {
            if (source.unread && source.name === '(unknown)') source.name = where;
            source.namespace = ns?.kind === 'str' ? ns.value : undefined;
            fact.sources.unshift(source);
          }
        } else if (method === 'update' && c.fn.obj.t === 'attr' && c.fn.obj.name === 'conf' && isApp(c.fn.obj.obj, eff.env)) {
          const settings: SettingFact[] = [];
          let unread: string | undefined;
          for (const a of c.args) {
            const v = this.eval.eval(src, a, eff.env);
            if (v.kind === 'dict') {
              for (const en of v.entries) if (en.key.kind === 'str') settings.push(setting(en.key.value, en.value, en.key.loc ?? { file: src.file, range: toRange(a.r) }));
            }
            // Flask's `celery.conf.update(app.config)`: the app's config object, built in the code; else said, not dropped
            else {
              const flask = v.kind === 'unknown' ? this.flaskSource(src, func, a, c.r, { file: src.file, range: toRange(c.r) }) : undefined;
              if (flask) { settings.push(...flask.settings); if (flask.unread) unread ??= flask.unread; }
              else unread ??= `conf.update(${v.kind === 'unknown' ? v.reason : 'a value the engine cannot follow'})`;
            }
          }
          for (const kw of c.kwargs) {
            if (kw.name) settings.push(setting(kw.name, this.eval.eval(src, kw.value, eff.env), { file: src.file, range: toRange(kw.value.r) }));
            else {
              const v = this.eval.eval(src, kw.value, eff.env);
              if (v.kind === 'dict') for (const en of v.entries) if (en.key.kind === 'str') settings.push(setting(en.key.value, en.value, en.key.loc ?? { file: src.file, range: toRange(kw.value.r) }));
            }
          }
          fact.sources.push({ kind: 'conf-update', name: `${where}: ${fact.variable || 'app'}.conf.update()`, settings, loc: { file: src.file, range: toRange(c.r) }, unread });
        } else if (method === 'autodiscover_tasks' && isApp(c.fn.obj, eff.env)) {
          fact.includes.push('(autodiscover)');
        }
      } else if (eff.kind === 'setattr') {
        const t = eff.target;
        const itemOf = t.t === 'subscript' ? confAttr(t.obj, eff.env) : undefined;
        if (itemOf && t.t === 'subscript') {
          mutateSetting(itemOf, (cur) => this.eval.setItem(src, cur, t.index, eff.value, eff.env), { file: src.file, range: toRange(t.r) });
          continue;
        }
        let name: string | undefined;
        let confObj: Expr | undefined;
        if (t.t === 'attr' && t.obj.t === 'attr' && t.obj.name === 'conf') { name = t.name; confObj = t.obj.obj; }
        if (t.t === 'subscript' && t.obj.t === 'attr' && t.obj.name === 'conf' && t.index.t === 'str') { name = t.index.v; confObj = t.obj.obj; }
        if (!name || !confObj || !isApp(confObj, eff.env)) continue;
        const loc: Loc = { file: src.file, range: toRange(t.r) };
        let value = this.eval.eval(src, eff.value, eff.env);
        if (eff.op) value = this.eval.binop(src, eff.op, resolveSettings(fact).get(name).value, value, t);
        fact.sources.push({ kind: 'conf-attr', name: `${where}: ${fact.variable || 'app'}.conf.${name}`, settings: [setting(name, value, loc)], loc });
      }
    }
  }

  /** The settings a `config_from_object(obj)` argument designates. */
  configSource(obj: Value, at: Loc): ConfigSource | undefined {
    let module: string | undefined;
    let cls: string | undefined;
    let django = false;
    if (obj.kind === 'str') {
      let path = obj.value;
      if (path === 'django.conf:settings' || path === 'django.conf.settings') {
        django = true;
        const dj = this.djangoSettingsModule();
        if (!dj) return { kind: 'module', name: 'django.conf:settings', settings: [], loc: at, namespace: undefined, unread: 'no DJANGO_SETTINGS_MODULE is set in the workspace (os.environ.setdefault in manage.py, celery.py, wsgi.py)' };
        path = dj;
      }
      const [m, attr] = path.includes(':') ? path.split(':', 2) : [path, undefined];
      if (attr) { module = this.findModule(m)?.module ?? m; cls = attr; }
      else if (this.findModule(m)) module = this.findModule(m)!.module;
      else {
        // 'pkg.module.Class' — Celery's symbol_by_name falls back to an attribute.
        const i = m.lastIndexOf('.');
        if (i > 0 && this.findModule(m.slice(0, i))) { module = this.findModule(m.slice(0, i))!.module; cls = m.slice(i + 1); }
        else module = m;
      }
    } else if (obj.kind === 'ref' && obj.ref.kind === 'module') module = obj.ref.module;
    else if (obj.kind === 'ref' && obj.ref.kind === 'class') { module = obj.ref.module; cls = obj.ref.name; }
    else return { kind: 'module', name: '(unknown)', settings: [], loc: at, unread: `config_from_object(${obj.kind === 'unknown' ? obj.reason : 'a value the engine cannot follow'})` };
    const src = module ? this.getModule(module) : undefined;
    if (!src) return { kind: 'module', name: module ?? '?', settings: [], loc: at, unread: `${django ? `the Django settings module '${module}'` : `module '${module}'`} is not one module of the workspace (none or several match)` };
    const res = this.eval.module(src.module)!;
    if (cls) {
      const info = this.eval.classInfo({ module: src.module, name: cls, kind: 'class' });
      if (!info) return { kind: 'class', name: `${src.module}.${cls}`, settings: [], loc: at, unread: `no class ${cls} in ${src.module}` };
      const settings: SettingFact[] = [];
      const seen = new Set<string>();
      const collect = (i: typeof info, depth: number) => {
        for (const [k, v] of i.attrs) if (!seen.has(k) && settingStyle(k)) { seen.add(k); settings.push(setting(k, v, v.loc ?? { file: src.file, range: toRange(i.stmt.nameR) })); }
        if (depth < 10) for (const b of i.bases) if (b.kind === 'ref' && b.ref.kind === 'class') { const bi = this.eval.classInfo(b.ref); if (bi) collect(bi, depth + 1); }
      };
      collect(info, 0);
      return { kind: 'class', name: `${src.module}.${cls}`, settings, loc: { file: src.file, range: toRange(info.stmt.nameR) } };
    }
    const settings: SettingFact[] = [];
    for (const [k, v] of res.env) {
      // Django's settings object only carries UPPERCASE names.
      if (!settingStyle(k) || (django && k !== k.toUpperCase())) continue;
      settings.push(setting(k, v, res.assigned.get(k) ?? v.loc ?? { file: src.file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }));
    }
    return { kind: 'module', name: django ? `django.conf:settings (${src.module})` : src.module, settings, loc: { file: src.file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } };
  }

  // ------------------------------------------------------------------ tasks

  private decorate(mod: string, st: Extract<Stmt, { s: 'def' | 'class' }>, env: Env): Value | undefined {
    const src = this.getModule(mod);
    if (!src) return undefined;
    if (st.s === 'class') return this.taskClass(src, st, env);
    for (const written of st.decorators) {
      // `shared_task_with_retry = shared_task(acks_late=True, ...)` at the top of the module, then
      // `@shared_task_with_retry` (kitsune): the decorator is that call
      const d = written.t === 'name' ? decoratorAlias(src, written.id) ?? written : written;
      const isCall = d.t === 'call';
      const fnExpr = isCall ? d.fn : d;
      const fn = this.eval.eval(src, fnExpr, env);
      let appVariable: string | undefined;
      let appKey: string | undefined;
      let externalApp: string | undefined;
      let decorator: string;
      if (fn.kind === 'ref' && fn.ref.kind === 'app' && fn.ref.name.endsWith('.task')) {
        appVariable = fn.ref.name.slice(0, -5);
        appKey = fn.ref.task;
        decorator = `@${fn.ref.name}`;
      } else if (fn.kind === 'ref' && /^celery(\.app)?\.(shared_task|task)$/.test(qualified(fn.ref))) decorator = '@shared_task';
      else if (fn.kind === 'ref' && fn.ref.kind === 'external' && CURRENT_APP_TASK.test(qualified(fn.ref))) decorator = '@current_app.task';
      else if (fn.kind === 'ref' && fn.ref.kind === 'external' && CELERY4_TASK.test(qualified(fn.ref))) decorator = `@${qualified(fn.ref).replace(/^celery\.task\.(base\.)?/, '')} (celery.task, Celery < 5)`;
      else if (fn.kind === 'ref' && fn.ref.kind === 'external' && EXTERNAL_APP_TASK.test(qualified(fn.ref))) {
        externalApp = qualified(fn.ref).slice(0, -'.task'.length);
        decorator = `@${dotted(fnExpr) ?? 'app.task'} (app ${externalApp}, made outside the workspace)`;
      }
      else if (this.isCustomDecorator(fnExpr, fn)) decorator = `@${dotted(fnExpr) ?? 'task'}`;
      else continue;
      const options: TaskFact['options'] = {};
      let name: Value | undefined;
      let base: Value | undefined;
      let bound = false;
      let typing: boolean | undefined;
      if (isCall) {
        for (const kw of d.kwargs) {
          if (!kw.name) continue;
          const v = this.eval.eval(src, kw.value, env);
          if (kw.name === 'name') name = v;
          else if (kw.name === 'base') base = v;
          else if (kw.name === 'bind') bound = v.kind === 'bool' && v.value;
          else if (kw.name === 'typing' && v.kind === 'bool') typing = v.value;
          else if ((OPTION_KEYS as string[]).includes(kw.name)) options[kw.name as TaskOptionKey] = v;
        }
      }
      // Attributes of a custom base Task class apply unless the decorator overrides them.
      if (base?.kind === 'ref' && base.ref.kind === 'class') {
        for (const k of OPTION_KEYS) {
          const v = options[k] ? undefined : this.eval.classAttr(base.ref, k);
          if (v) options[k] = v;
        }
      }
      const auto = name?.kind === 'str' ? undefined : this.autoName(mod, st.name, appKey, src);
      const taskName = name?.kind === 'str' ? name.value : auto!.name;
      const fact: TaskFact = {
        name: taskName, nameUnknown: auto?.unknown,
        nameSource: name?.kind === 'str' ? 'explicit' : 'automatic',
        func: st.name, module: mod, options, appVariable, decorator, appId: this.appIdOf(appKey), ...(externalApp ? { externalApp } : {}),
        loc: { file: src.file, range: toRange(st.nameR) }, defLoc: { file: src.file, range: toRange(st.r) },
        // Decorators below the task decorator wrap the function first: Celery then checks the wrapper's
        // signature, which we cannot see (functools.wraps keeps the name, not the parameters).
        signature: st.s === 'def' && st.decorators.indexOf(written) === st.decorators.length - 1 ? { func: st.name, params: st.sig, bound } : undefined, typing,
      };
      this.addTask(mod, fact);
      return { kind: 'ref', ref: { module: mod, name: st.name, kind: 'task', task: taskName, loc: fact.loc } };
    }
    return undefined;
  }

  private isCustomDecorator(e: Expr, v: Value): boolean {
    const names = this.options.taskDecorators ?? [];
    if (!names.length) return false;
    const text = dotted(e);
    const q = v.kind === 'ref' ? qualified(v.ref) : undefined;
    return names.some((n) => n === text || n === q || (q !== undefined && q.endsWith(`.${n}`)));
  }

  /** An app record's id as `apps()` names it (`module:variable`). */
  private appIdOf(key: string | undefined): string | undefined {
    const f = key ? this.appRecords.get(key)?.fact : undefined;
    return f ? `${f.module}:${f.variable || 'app'}` : undefined;
  }

  /** Celery's gen_task_name: `module.func`, with `__main__` replaced by the app's main name — or the app
   *  class's own gen_task_name. An override that cannot be followed leaves Celery's name, with why. */
  private autoName(mod: string, func: string, appKey: string | undefined, src: ModuleSource): { name: string; unknown?: string } {
    let module = mod;
    const rec = appKey ? this.appRecords.get(appKey) : undefined;
    const custom = rec?.cls ? this.eval.genTaskName(rec.cls, func, mod) : undefined;
    if (custom?.kind === 'str') return { name: custom.value };
    if ((src.file.endsWith('__main__.py') || module === '__main__') && rec?.fact.main) module = rec.fact.main;
    else module = this.importedAs(module, src.file);
    return { name: [module, func].filter(Boolean).join('.'), unknown: custom?.kind === 'unknown' ? custom.reason : undefined };
  }

  /**
   * The name the worker imports a module by when it lies in a Django project folder that is itself a package of
   * the workspace (bk-monitor's bklog/manage.py beside bklog/__init__.py): the project runs from that folder, so
   * Celery names `bklog/apps/x/tasks.py`'s tasks `apps.x.tasks....`, not `bklog.apps.x.tasks....`.
   */
  private importedAs(mod: string, file: string): string {
    const prefix = this.djangoFolderPackage(mod, file);
    return prefix ? mod.slice(prefix.length + 1) : mod;
  }

  /** The package name of the Django project folder (a folder with manage.py that is itself a package part of the
   * module's name: `bklog` for bklog/apps/x.py) a module lies in; that folder is the worker's sys.path[0]. */
  private djangoFolderPackage(mod: string, file: string): string | undefined {
    const parts = mod.split('.');
    let dir = dirname(file);
    for (let i = basename(file) === '__init__.py' ? parts.length - 1 : parts.length - 2; i >= 0; i--, dir = dirname(dir)) {
      if (this.byFile.has(join(dir, 'manage.py'))) return i + 1 < parts.length ? parts.slice(0, i + 1).join('.') : undefined;
    }
    return undefined;
  }

  private taskClass(src: ModuleSource, st: Extract<Stmt, { s: 'class' }>, env: Env): Value | undefined {
    const bases = st.bases.map((b) => this.eval.eval(src, b, env));
    const isTask = bases.some((b) => b.kind === 'ref' && (/celery(\.app\.task)?\.Task$/.test(qualified(b.ref)) || (b.ref.kind === 'app' && b.ref.name.endsWith('.Task'))));
    if (!isTask) return undefined;
    const attr = (k: string): Value | undefined => {
      for (const b of st.body) if (b.s === 'assign' && b.target.t === 'name' && b.target.id === k) return this.eval.eval(src, b.value, env);
      return undefined;
    };
    const name = attr('name');
    if (name?.kind !== 'str') return undefined; // abstract base classes without a name are not tasks
    const options: TaskFact['options'] = {};
    for (const k of OPTION_KEYS) { const v = attr(k); if (v) options[k] = v; }
    const fact: TaskFact = {
      name: name.value, nameSource: 'class-attribute', func: st.name, module: src.module, options, decorator: 'class Task',
      loc: { file: src.file, range: toRange(st.nameR) }, defLoc: { file: src.file, range: toRange(st.r) },
    };
    this.addTask(src.module, fact);
    return { kind: 'ref', ref: { module: src.module, name: st.name, kind: 'task', task: name.value, loc: fact.loc } };
  }

  private addTask(mod: string, fact: TaskFact): void {
    let list = this.tasksByModule.get(mod);
    if (!list) this.tasksByModule.set(mod, (list = Object.assign([] as TaskFact[], { keys: new Set<string>() })));
    // (a def evaluated twice — both branches of an if — is one task)
    const key = `${fact.func}:${fact.loc.range.start.line}`;
    const keys = (list as TaskFact[] & { keys: Set<string> }).keys;
    if (!keys.has(key)) { keys.add(key); list.push(fact); }
  }

  tasks(): TaskFact[] {
    this.evaluateAll();
    return [...this.tasksByModule.values()].flat();
  }

  // ------------------------------------------------------------------ call sites

  calls(): CallFact[] {
    this.evaluateAll();
    const out: CallFact[] = [];
    for (const src of this.modules.values()) out.push(...this.callsOf(src));
    return out;
  }

  private callsMemo = new WeakMap<ModuleResult, { calls: CallFact[]; callersAt?: number }>();
  /** Bumped whenever a module is added, changed or removed: call sites read from other modules' callers are
   * computed again then (their module's own evaluation is not). */
  private modulesVersion = 0;
  private readCallers = false;

  /** Call sites of one module (memoised per evaluation of it, and per modules version if they read callers). */
  callsOf(src: ModuleSource): CallFact[] {
    const res = this.eval.module(src.module);
    if (!res) return [];
    const hit = this.callsMemo.get(res);
    if (hit && (hit.callersAt === undefined || hit.callersAt === this.modulesVersion)) return hit.calls;
    const outer = this.readCallers;
    this.readCallers = false;
    try {
      const calls = this.eval.within(src.module, () => this.computeCalls(src, res));
      this.callsMemo.set(res, { calls, callersAt: this.readCallers ? this.modulesVersion : undefined });
      return calls;
    } finally {
      this.readCallers = outer;
    }
  }

  /** `**param` of a module-level function `def` of `src`, from its callers: loaded modules, and modules not
   * loaded yet whose text names the function. */
  private callerKwargs(src: ModuleSource, def: Extract<Stmt, { s: 'def' }>, param: string): Value {
    this.readCallers = true;
    return kwargsFromCallers(def, param, this.callersOf(src, def, true), (m, e) => this.eval.eval(m, e, this.callerEnv(m)));
  }

  /** The calls of module-level function `def` of `src` in the workspace — loaded modules, and modules not loaded yet
   * whose text names it — each callee evaluated where the call is; test modules only when asked. */
  private callersOf(src: ModuleSource, def: Extract<Stmt, { s: 'def' }>, withTests: boolean): Caller[] {
    const mods = new Set(this.modules.values());
    for (const name of this.lazyMentioning?.(def.name) ?? []) { const m = this.getModule(name); if (m) mods.add(m); }
    const out: Caller[] = [];
    for (const m of mods) {
      if (!withTests && isTestModule(m.module)) continue;
      for (const call of callsNamed(m, def.name)) {
        const v = this.eval.eval(m, call.fn, this.callerEnv(m));
        if (v.kind !== 'ref' || v.ref.kind !== 'function' || v.ref.module !== src.module || v.ref.name !== def.name) continue;
        out.push({ src: m, call, def: m.ir.body.find((s): s is Extract<Stmt, { s: 'def' }> => s.s === 'def' && spanWithin(call.r, s.r)) });
      }
    }
    return out;
  }

  /** A Flask configuration object handed to Celery (`config_from_object(app.config)` in function `func` of `src`,
   * or at module level), as the code builds it: flask-config.ts. Undefined when `e` is not one. */
  private flaskSource(src: ModuleSource, func: string | undefined, e: Expr, at: Expr['r'], loc: Loc): ConfigSource | undefined {
    const def = func ? src.ir.body.find((s): s is Extract<Stmt, { s: 'def' }> => s.s === 'def' && s.name === func) : undefined;
    if (func && !def) return undefined; // a method: its callers are not followed
    const r = flaskConfigAt(src, def, e, at, this.flaskHooks);
    if (r === undefined) return undefined;
    if (typeof r === 'string') return { kind: 'module', name: '(unknown)', settings: [], loc, unread: `${dotted(e) ?? 'the Flask configuration'} (a Flask configuration): ${r}` };
    return { kind: 'module', name: `Flask config built in ${r.origin}`, settings: r.settings, loc, unread: r.unread.length ? r.unread.join('; ') : undefined };
  }

  private readonly flaskHooks: FlaskHooks = {
    evaluate: (m, e, env) => this.eval.eval(m, e, env),
    scopeEnv: (m) => this.callerEnv(m),
    // a test's app is not the one the worker runs
    callers: (m, def) => this.callersOf(m, def, false),
    objectSettings: (v, at) => { const s = this.configSource(v, at); return { settings: s?.settings ?? [], unread: s?.unread }; },
    lineage: (v) => lineageOf(v, (x) => (x.kind === 'ref' && x.ref.kind === 'class' ? this.eval.classInfo(x.ref)?.bases ?? [] : [])),
    setting: (written, value, loc) => setting(written, value, loc),
    loc: (m, r) => ({ file: m.file, range: toRange(r) }),
  };

  /** A module's names with the imports of its function bodies too (callers import lazily to avoid cycles). */
  private callerEnv(m: ModuleSource): Env {
    const res = this.eval.module(m.module);
    let env = res && this.callerEnvs.get(res);
    if (env) return env;
    env = new Map(res?.env ?? []);
    const visit = (body: Stmt[]) => {
      for (const st of body) {
        if (st.s === 'def' || st.s === 'class') { for (const im of collectImports(st.body)) if (im.s === 'import') this.eval.importFrom(m, im, env!); visit(st.body); }
        else if (st.s === 'if' || st.s === 'for') { visit(st.body); if (st.s === 'if') visit(st.orelse); }
      }
    };
    visit(m.ir.body);
    if (res) this.callerEnvs.set(res, env);
    return env;
  }
  private callerEnvs = new WeakMap<ModuleResult, Env>();

  private computeCalls(src: ModuleSource, res: ModuleResult): CallFact[] {
    const env = res.env;
    const consumed = new Set<Expr>();
    for (const c of src.ir.calls) {
      if (c.t !== 'call' || c.fn.t !== 'attr') continue;
      if (c.fn.obj.t === 'call') consumed.add(c.fn.obj);
      // add_periodic_task(schedule, sig): the signature is sent by beat, not here
      if (c.fn.name === 'add_periodic_task' && c.args[1]?.t === 'call') consumed.add(c.args[1]);
    }
    const scopes = this.functionScopes(src, env);
    const scopeOf = (c: Expr) => scopes.find((f) => spanWithin(c.r, f.r))?.env ?? env;
    const parts = this.canvasParts(src, scopeOf);
    const out: CallFact[] = [];
    for (const c of src.ir.calls) {
      if (c.t !== 'call' || consumed.has(c)) continue;
      // Calls inside a function see its local imports (`from proj.tasks import ping` in a beat setup hook).
      const fact = this.callFact(src, c, scopeOf(c));
      if (!fact) continue;
      const part = parts.get(c);
      // the canvas's options override the signature's own (Signature._merge)
      if (!part) { out.push(fact); continue; }
      const overridden = (Object.keys(part.options) as TaskOptionKey[]).filter((k) => fact.options[k] && keyOf(fact.options[k]!) !== keyOf(part.options[k]!));
      out.push({ ...fact, options: { ...fact.options, ...part.options }, canvas: { ...part.part, overridden: overridden.length ? overridden : undefined }, arguments: undefined });
    }
    return out;
  }

  /** Signatures sent inside a group / chain / chord of this module, with the options the canvas gives them. */
  private canvasParts(src: ModuleSource, scopeOf: (c: Expr) => Env): Map<Expr, PartOverride> {
    const out = new Map<Expr, PartOverride>();
    for (const c of src.ir.calls) {
      if (c.t !== 'call') continue;
      const sends = (c.fn.t === 'attr' && (c.fn.name === 'apply_async' || c.fn.name === 'delay') && (c.fn.obj.t === 'call' || c.fn.obj.t === 'binop')) || c.fn.t === 'call' || c.fn.t === 'binop';
      if (!sends) continue;
      const env = scopeOf(c);
      const hooks: CanvasHooks = {
        kindOf: (fn) => {
          if (fn.t !== 'name') return undefined;
          const v = this.eval.eval(src, fn, env);
          const m = v.kind === 'ref' ? /^celery(?:\.canvas)?\.(group|chain|chord)$/.exec(qualified(v.ref)) : null;
          return (m?.[1] as 'group' | 'chain' | 'chord' | undefined);
        },
        optionsOf: (call, constructor) => this.callOptions(src, call, env, constructor ? 'signature' : 'kwargs'),
        isSignature: (e) => e.t === 'call' && ((e.fn.t === 'attr' && SIGNATURE_METHODS.has(e.fn.name)) || (e.fn.t === 'name' && /^(signature|Signature)$/.test(e.fn.id))),
      };
      const parts = canvasSend(c, { file: src.file, range: toRange(c.r) }, hooks);
      if (parts) for (const [e, o] of parts) out.set(e, o);
    }
    return out;
  }

  /** Functions and classes (innermost first) that need an env of their own: the module env plus their imports,
   * and for a function whose sends read its own names, its parameters (Unknown; `**kwargs` from its callers, a
   * management command's `**options` from add_arguments) and its locals assigned once. */
  private functionScopes(src: ModuleSource, env: Env): Array<{ r: Expr['r']; env: Env }> {
    const out: Array<{ r: Expr['r']; env: Env }> = [];
    const calls = [...src.ir.calls].sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1]);
    /** Names the send calls inside range `r` read (binary search: a module may hold 10,000 functions). */
    const namesSentWith = (r: Expr['r']): Set<string> => {
      let lo = 0, hi = calls.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; const s = calls[mid].r; if (s[0] < r[0] || (s[0] === r[0] && s[1] < r[1])) lo = mid + 1; else hi = mid; }
      const names = new Set<string>();
      for (let k = lo; k < calls.length && spanWithin(calls[k].r, r); k++) namesIn(calls[k], names);
      return names;
    };
    const visit = (body: Stmt[], outer: Env, cls?: Extract<Stmt, { s: 'class' }>, top = false) => {
      for (const st of body) {
        if (st.s === 'def' || st.s === 'class') {
          const imports = collectImports(st.body);
          // a function whose sends read its parameters or its locals: those are read too — a local assigned
          // once (`q = 'fast'`, `queue=q`); a name assigned more than once is an Unknown, said (the order of a
          // body is not followed); parameters are their callers' (Unknown)
          const used = st.s === 'def' ? namesSentWith(st.r) : undefined;
          const counts = used?.size ? assignmentCounts(st.body) : undefined;
          const readsOwn = st.s === 'def' && !!used && [...used].some((n) => counts!.has(n) || st.sig.some((p) => p.name === n));
          const local = imports.length || readsOwn ? new Map(outer) : outer;
          if (st.s === 'def' && readsOwn) {
            for (const p of st.sig) local.set(p.name, { kind: 'unknown', reason: `parameter '${p.name}' of ${st.name}(), set by its callers` });
            // a module-level function's **kwargs: what its callers in the workspace pass
            const dstar = top ? st.sig.find((p) => p.kind === 'dstar' && used!.has(p.name)) : undefined;
            if (dstar) local.set(dstar.name, this.callerKwargs(src, st, dstar.name));
            // a management command's handle(**options): the options' defaults (what runs unless given)
            const options = commandOptionsParam(src.module, cls, st);
            if (options && cls) local.set(options, commandOptionDefaults(cls, (e) => this.eval.eval(src, e, outer), (e) => this.eval.loc(src, e)));
          }
          for (const im of imports) {
            if (im.s === 'import') this.eval.importFrom(src, im, local);
          }
          if (st.s === 'def' && readsOwn && counts) {
            const run = (stmts: Stmt[]) => {
              for (const x of stmts) {
                if (x.s === 'assign' && x.target.t === 'name' && !x.op && counts.get(x.target.id) === 1) local.set(x.target.id, this.eval.eval(src, x.value, local));
                else if (x.s === 'assign' && (x.target.t === 'tuple' || x.target.t === 'list')) {
                  for (const t of x.target.items) if (t.t === 'name') local.set(t.id, { kind: 'unknown', reason: `'${t.id}' is unpacked from a value in ${st.name}(): not followed` });
                } else if (x.s === 'if') { run(x.body); run(x.orelse); }
              }
            };
            for (const [name, n] of counts) if (n > 1) local.set(name, { kind: 'unknown', reason: `'${name}' is assigned more than once in ${st.name}(): not followed` });
            run(st.body);
          }
          visit(st.body, local, st.s === 'class' ? st : undefined);
          if (local !== outer) out.push({ r: st.r, env: local });
        } else if (st.s === 'if' || st.s === 'for') { visit(st.body, outer, undefined, top); if (st.s === 'if') visit(st.orelse, outer, undefined, top); }
      }
    };
    visit(src.ir.body, env, undefined, true);
    return out.reverse();
  }

  private callFact(src: ModuleSource, c: Extract<Expr, { t: 'call' }>, env: Env): CallFact | undefined {
    const loc: Loc = { file: src.file, range: toRange(c.r) };
    const options: CallFact['options'] = {};
    const takeOptions = (call: Extract<Expr, { t: 'call' }>, mode: OptionMode) => {
      for (const [k, v] of Object.entries(this.callOptions(src, call, env, mode))) options[k as TaskOptionKey] ??= v;
    };
    if (c.fn.t === 'name') {
      // signature('task.name', options={...})
      const fn = this.eval.eval(src, c.fn, env);
      if (fn.kind !== 'ref' || !/celery(\.canvas)?\.(signature|Signature)$/.test(qualified(fn.ref))) return undefined;
      const name = c.args[0] ? this.eval.eval(src, c.args[0], env) : undefined;
      takeOptions(c, 'signature');
      return { taskName: name?.kind === 'str' ? name.value : name?.kind === 'ref' ? name.ref.task : undefined, via: 'signature', options, loc, module: src.module };
    }
    if (c.fn.t !== 'attr') return undefined;
    if (c.fn.name === 'add_periodic_task') return this.periodicCall(src, c, env);
    const via = c.fn.name as CallVia;
    if (!SEND_METHODS.has(via)) return undefined;
    if (via === 'send_task') {
      const app = this.eval.eval(src, c.fn.obj, env);
      const isApp = app.kind === 'ref' && (app.ref.kind === 'app' || (app.ref.kind === 'external' && CURRENT_APP.test(qualified(app.ref))));
      if (!isApp) return undefined;
      const name = c.args[0] ?? c.kwargs.find((k) => k.name === 'name')?.value;
      const nv = name ? this.eval.eval(src, name, env) : undefined;
      takeOptions(c, 'kwargs');
      return { taskName: nv?.kind === 'str' ? nv.value : undefined, taskExpr: nv?.kind === 'str' ? undefined : name && dotted(name), via, options, loc, module: src.module };
    }
    // Walk down a chain: add.s(1).set(queue='x').apply_async(priority=3)
    takeOptions(c, optionMode(via));
    let obj = c.fn.obj;
    let builtin: CallVia | undefined = BUILTIN_CANVAS.has(via) ? via : undefined;
    while (obj.t === 'call' && obj.fn.t === 'attr' && SEND_METHODS.has(obj.fn.name as CallVia) && obj.fn.name !== 'send_task') {
      if (BUILTIN_CANVAS.has(obj.fn.name)) builtin = obj.fn.name as CallVia;
      else takeOptions(obj, optionMode(obj.fn.name as CallVia));
      obj = obj.fn.obj;
    }
    if (obj.t === 'call' && obj.fn.t === 'name') {
      // signature('name').apply_async(...)
      const inner = this.callFact(src, obj, env);
      if (!inner) return undefined;
      return { ...inner, options: { ...inner.options, ...options }, via, loc };
    }
    const target = this.eval.eval(src, obj, env);
    if (target.kind !== 'ref' || target.ref.kind !== 'task') return undefined;
    // task.map(it) is a signature of the builtin 'celery.map' task, routed by that name (celery #4738).
    if (builtin) return { taskName: `celery.${builtin}`, runsTask: target.ref.task, taskExpr: dotted(obj), via, options, loc, module: src.module };
    return { taskName: target.ref.task, taskExpr: dotted(obj), via, options, loc, module: src.module, arguments: callArguments(c) };
  }

  /**
   * The routing options a call passes, by how it takes them (Celery's signatures):
   * - `kwargs`: `apply_async(..., **options)`, `send_task(..., **options)`, `sig.set(**options)`: named option
   *   keywords and `**{...}` (an `options=` keyword is just an option named "options", which routing ignores);
   * - `signature`: `signature('name', options={...}, **ex)`, `task.signature(..., **kw)`: the same, and `options=`;
   * - `none`: `delay(*args, **kwargs)`, `s(...)`, `si(...)`: every keyword is a task argument, never an option.
   * A `**splat` or `options=` whose value is not known makes each routing option not given by name unknown.
   */
  private callOptions(src: ModuleSource, call: Extract<Expr, { t: 'call' }>, env: Env, mode: OptionMode): Partial<Record<TaskOptionKey, Value>> {
    const options: Partial<Record<TaskOptionKey, Value>> = {};
    if (mode === 'none') return options;
    const unknown: Array<{ why: string; v: Value }> = [];
    for (const kw of call.kwargs) {
      const bag = kw.name === null || (kw.name === 'options' && mode === 'signature');
      if (!bag && (kw.name === null || !(CALL_OPTION_KEYS as string[]).includes(kw.name))) continue;
      const v = this.eval.eval(src, kw.value, env);
      if (!bag) options[kw.name as TaskOptionKey] ??= v;
      else if (v.kind === 'dict') {
        for (const en of v.entries) if (en.key.kind === 'str' && (CALL_OPTION_KEYS as string[]).includes(en.key.value)) options[en.key.value as TaskOptionKey] ??= en.value;
      } else if (v.kind !== 'none') unknown.push({ why: `${kw.name === null ? `**${dotted(kw.value) ?? '…'}` : `options=${dotted(kw.value) ?? '…'}`} may set it (${v.kind === 'unknown' ? v.reason : 'not a dict'})`, v });
    }
    for (const { why, v } of unknown) for (const k of CALL_OPTION_KEYS) options[k] ??= { kind: 'unknown', reason: why, loc: v.loc };
    return options;
  }

  /** `sender.add_periodic_task(schedule, task.s(...), name=..., **options)`: beat sends it. */
  private periodicCall(src: ModuleSource, c: Extract<Expr, { t: 'call' }>, env: Env): CallFact | undefined {
    const sig = c.args[1] ?? c.kwargs.find((k) => k.name === 'sig')?.value;
    if (!sig || sig.t !== 'call') return undefined;
    const inner = this.callFact(src, sig, env);
    if (!inner?.taskName) return undefined;
    const options = { ...inner.options };
    for (const kw of c.kwargs) if (kw.name && (OPTION_KEYS as string[]).includes(kw.name)) options[kw.name as TaskOptionKey] = this.eval.eval(src, kw.value, env);
    const nameE = c.kwargs.find((k) => k.name === 'name')?.value;
    const name = nameE ? this.eval.eval(src, nameE, env) : undefined;
    return { taskName: inner.taskName, via: 'beat', options, loc: { file: src.file, range: toRange(c.r) }, module: src.module, periodic: name?.kind === 'str' ? name.value : undefined };
  }

  // ------------------------------------------------------------------ everything else

  private workersFlat?: WorkerFact[];

  /** Every worker of the workspace (the same array until a worker file changes). */
  allWorkers(): WorkerFact[] {
    return (this.workersFlat ??= [...this.workers.values()].flat());
  }

}

/** Countable arguments of `.delay(a, b=1)` / `.apply_async((a,), {'b': 1})`; undefined with splats. */
function callArguments(c: Extract<Expr, { t: 'call' }>): CallFact['arguments'] {
  if (c.fn.t !== 'attr') return undefined;
  if (c.fn.name === 'delay') {
    if (c.args.some((a) => a.t === 'star') || c.kwargs.some((k) => k.name === null)) return undefined;
    return { args: c.args.length, kwargs: c.kwargs.map((k) => k.name!) };
  }
  if (c.fn.name !== 'apply_async') return undefined;
  const argsE = c.args[0] ?? c.kwargs.find((k) => k.name === 'args')?.value;
  const kwargsE = c.args[1] ?? c.kwargs.find((k) => k.name === 'kwargs')?.value;
  if (c.kwargs.some((k) => k.name === null)) return undefined;
  let args = 0;
  if (argsE) {
    if ((argsE.t !== 'tuple' && argsE.t !== 'list') || argsE.items.some((i) => i.t === 'star')) return argsE.t === 'none' ? { args: 0, kwargs: [] } : undefined;
    args = argsE.items.length;
  }
  const kwargs: string[] = [];
  if (kwargsE && kwargsE.t !== 'none') {
    if (kwargsE.t !== 'dict') return undefined;
    for (const e of kwargsE.entries) { if (!e.k || e.k.t !== 'str') return undefined; kwargs.push(e.k.v); }
  }
  return { args, kwargs };
}

/** The call a module-level name is bound to once (`name = shared_task(...)`), if it is (per module version: every
 * `@name` decorator of the module asks). */
function decoratorAlias(src: ModuleSource, name: string): Extract<Expr, { t: 'call' }> | undefined {
  let bound = boundCalls.get(src);
  if (!bound) {
    bound = new Map();
    for (const st of src.ir.body) {
      if (st.s !== 'assign' || st.target.t !== 'name') continue;
      // a name bound twice is no alias (null); a call bound once is
      bound.set(st.target.id, bound.has(st.target.id) || st.value.t !== 'call' ? null : st.value);
    }
    boundCalls.set(src, bound);
  }
  return bound.get(name) ?? undefined;
}
const boundCalls = new WeakMap<ModuleSource, Map<string, Extract<Expr, { t: 'call' }> | null>>();

function setting(written: string, value: Value, loc: Loc): SettingFact {
  const s = settingStyle(written);
  return { key: s?.key ?? written, written, style: s?.style ?? 'new', value, loc };
}

/** `DJANGO_SETTINGS_MODULE` decides what `django.conf.settings` is for every module. */
function mentionsDjangoSettings(src: ModuleSource): boolean {
  let found = false;
  visitCalls(src.ir.body, (c) => { if (c.args[0]?.t === 'str' && c.args[0].v === 'DJANGO_SETTINGS_MODULE') found = true; });
  return found;
}

/** The names an expression reads (its `name` nodes), into `out`. */
function namesIn(e: unknown, out: Set<string>): void {
  if (!e || typeof e !== 'object') return;
  if (Array.isArray(e)) { for (const x of e) namesIn(x, out); return; }
  const x = e as Record<string, unknown>;
  if (x.t === 'name' && typeof x.id === 'string') out.add(x.id);
  for (const k in x) if (k !== 'r') namesIn(x[k], out);
}

/** How often each local name is bound in a function body (assignments, augmented ones and loop targets count
 * as more than one), nested functions and classes aside. */
function assignmentCounts(body: Stmt[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (name: string, n: number) => out.set(name, (out.get(name) ?? 0) + n);
  const targets = (e: Expr, n: number): void => {
    if (e.t === 'name') add(e.id, n);
    else if (e.t === 'tuple' || e.t === 'list') for (const x of e.items) targets(x, n);
  };
  const visit = (stmts: Stmt[], loop: boolean) => {
    for (const st of stmts) {
      if (st.s === 'assign') targets(st.target, st.op || loop ? 2 : 1);
      else if (st.s === 'if') { visit(st.body, loop); visit(st.orelse, loop); }
      else if (st.s === 'for') { targets(st.target, 2); visit(st.body, true); }
    }
  };
  visit(body, false);
  return out;
}

function collectImports(body: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (const st of body) {
    if (st.s === 'import') out.push(st);
    else if (st.s === 'if') out.push(...collectImports(st.body), ...collectImports(st.orelse));
    else if (st.s === 'for') out.push(...collectImports(st.body));
  }
  return out;
}


