/**
 * The analysed workspace, as every front end (CLI, language server) sees it: the model (workspace) plus
 * each app's routing configuration, and `route()` — the one entry to the routing engine.
 */
import { resolve, relative, dirname, sep, basename } from 'node:path';
import { existsSync } from 'node:fs';
import { findProjectFile, readProjectFile, PROJECT_FILE, type ProjectFile, type ProjectWorker } from '../parse/projectFile';
import { findSuppressions, type Suppression } from '../parse/suppressions';
import type { Parser } from 'web-tree-sitter';
import type { AppFact, CallFact, Loc, TaskFact, WorkerFact, Value } from '../model/types';
import { canvasStepText } from '../model/canvas';
import { where } from './trace';
import type { RouteOptions, RouteRequest, RouteTrace, RoutingConfig, TaskAttributes } from '../routing/types';
import { routeMessage, consumersOf, type Consumer } from '../routing';
import { Workspace, type WorkspaceOptions } from '../model/workspace';
import { buildConfig, setOption, type AppConfig } from '../model/topology';
import { pythonParser } from '../parse/python';
import { listFiles, readText, parseModule, OpenBuffer, PY_PREFILTER, extractWorkers, mightContainWorker, DEFAULT_MAX_FILE_SIZE } from '../model/scan';
import { workersFromCommandLine } from '../parse/workers';
import { commandCeleryLine, missingRequiredOptions } from '../model/django-commands';
import { indexShared, type Indexed } from '../model/index-files';
import { forgetPackages, moduleNameOf, setImportRoots } from '../model/modules';
import { sysPathRoots } from '../model/sys-path';
import type { ModuleIR } from '../parse/ir';
import { detectCeleryVersion, type CeleryVersion } from '../model/celeryVersion';
import { deepEqual, sameInputs, type StateInputs } from './state-inputs';
import type { ResolvedSettings } from '../routing/settings';
import { readDefinitions, mergeDefinitions, deployedTopology, type Definitions } from '../broker/definitions';
import { appVhost } from './definitions';

export interface RouteCall {
  task: string;
  options?: RouteOptions;
  via?: 'apply_async' | 'send_task';
  /** App id (`module:variable`) when the workspace has several. */
  app?: string;
  /** The call's arguments, when known (Celery checks them against the signature first). */
  arguments?: { args: number; kwargs: string[] };
}

export type { Consumer };

export interface Route extends RouteTrace {
  consumers: Consumer[];
  /** The app whose configuration decided. */
  app: string | null;
  /** The task definition, when the name is known in the workspace. */
  definition?: TaskFact;
  /** The Celery version the answer is for. */
  celery: CeleryVersion;
}

export interface ResolvedApp {
  id: string;
  fact: AppFact;
  config: RoutingConfig;
  settings: ResolvedSettings;
  unknowns: AppConfig['unknowns'];
}

export interface ProjectOptions extends WorkspaceOptions {
  maxFileSize?: number;
  /** Force the transport (editor setting) instead of reading it from broker_url. */
  transport?: string;
  /** A project file to use instead of the nearest celery-routing.json / pyproject.toml. */
  configPath?: string;
  /** Profile of the project file (`profiles.<name>`). */
  profile?: string;
  /** Don't look for a project file. */
  noProjectFile?: boolean;
  /** The Celery version to predict for (e.g. '5.2.6'); wins over the project file's pin and the requirements. */
  celeryVersion?: string;
}

export class Project {
  readonly ws: Workspace;
  private cache?: { apps: ResolvedApp[]; tasks: TaskFact[]; calls: CallFact[]; byName: Map<string, TaskFact> };
  readonly skipped: Array<{ file: string; reason: string }> = [];
  /** Python files not parsed up front, by module name (loaded when imported). */
  private lazy = new Map<string, string>();

  /** The project file in use, with its problems (reported as diagnostics). */
  projectFile?: ProjectFile;
  private excludeRes: RegExp[] = [];
  /** Inline suppressions of worker files (Python files keep theirs on the module). */
  readonly fileSuppressions = new Map<string, Suppression[]>();
  /** RabbitMQ definitions files of the project file (`brokerDefinitions`): the broker as deployed. */
  definitions: Definitions[] = [];

  constructor(readonly root: string, private readonly parser: Parser, readonly options: ProjectOptions = {}) {
    this.ws = new Workspace(options);
    if (!options.noProjectFile) this.loadProjectFile(options.configPath ?? findProjectFile(root));
    this.ws.loader = (name: string) => this.loadLazy(name);
    this.ws.lazyNames = () => this.lazyModuleNames();
    this.ws.lazyMentioning = (word) => this.lazyMentioning(word);
  }

  /** (Re)read the project file; its keys become options, its workers join the workspace's. */
  loadProjectFile(path: string | undefined, text?: string): void {
    if (this.projectFile) this.ws.setWorkers(this.projectFile.path, []);
    this.projectFile = path ? readProjectFile(path, text) : undefined;
    const c = this.projectFile?.config ?? {};
    const profileName = this.options.profile;
    const profile = profileName ? c.profiles?.[profileName] : undefined;
    if (profileName && this.projectFile && !profile) {
      this.projectFile.errors.push({ message: `profile '${profileName}' is not defined (profiles: ${Object.keys(c.profiles ?? {}).join(', ') || 'none'})`, loc: this.projectFile.locate(['profiles']) });
    }
    this.ws.options.env = { ...(this.options.env ?? {}), ...(c.env ?? {}), ...(profile?.env ?? {}) };
    this.ws.options.taskDecorators = [...(this.options.taskDecorators ?? []), ...(c.taskDecorators ?? [])];
    this.ws.options.externalApp = c.externalApp && this.projectFile ? { ...c.externalApp, loc: this.projectFile.locate(['externalApp']) } : undefined;
    this.excludeRes = (c.exclude ?? []).map((g) => globRegex(g));
    if (this.projectFile) {
      const pf = this.projectFile;
      const all = [...(c.workers ?? []).map((w, i) => ({ w, at: ['workers', i] as Array<string | number> })),
        ...(profile?.workers ?? []).map((w, i) => ({ w, at: ['profiles', profileName!, 'workers', i] as Array<string | number> }))];
      this.ws.setWorkers(pf.path, all.flatMap(({ w, at }) => projectWorker(w, pf.locate(at))));
    }
    this.definitions = (c.brokerDefinitions ?? []).map((d, i) => {
      const file = resolve(dirname(this.projectFile!.path), d);
      if (!existsSync(file)) this.projectFile!.errors.push({ message: `brokerDefinitions: no such file ${d}`, loc: this.projectFile!.locate(['brokerDefinitions', i]) });
      return readDefinitions(file, existsSync(file) ? undefined : '{}');
    });
    this.ws.invalidate();
    this.cache = undefined;
  }

  /** The project file and the definitions files it names (the editor re-reads them on change). */
  isConfigFile(file: string): boolean {
    return file === this.projectFile?.path || this.definitions.some((d) => d.path === file) || this.isNewProjectFile(file);
  }

  /** `celery-routing.json` (or a pyproject.toml with the table) at or above the root, nearer than the current one. */
  private isNewProjectFile(file: string, text?: string): boolean {
    const name = basename(file);
    if (name !== PROJECT_FILE && name !== 'pyproject.toml') return false;
    if (name === 'pyproject.toml' && text !== undefined && !/^\s*\[tool\.celery-routing/m.test(text)) return false;
    if (name === 'pyproject.toml' && text === undefined) return false;
    const dir = dirname(file);
    if (!(this.root === dir || this.root.startsWith(dir + sep))) return false;
    const current = this.projectFile ? dirname(this.projectFile.path) : undefined;
    return !current || dir.length > current.length || (dir === current && name === PROJECT_FILE && basename(this.projectFile!.path) !== PROJECT_FILE);
  }

  /** Excluded by the project file's `exclude` globs. */
  excluded(file: string): boolean {
    if (!this.excludeRes.length || !this.projectFile) return false;
    const rel = relative(dirname(this.projectFile.path), file).split(sep).join('/');
    return this.excludeRes.some((re) => re.test(rel));
  }

  /** Open editor buffers (most recent last), holding their trees for incremental reparsing. */
  private readonly buffers = new Map<string, OpenBuffer>();

  /**
   * A module first imported now: parse it and add it without invalidating anything — it is being asked for
   * in the middle of an evaluation, which never saw it missing.
   */
  private loadLazy(name: string) {
    const file = this.lazy.get(name);
    if (!file) return undefined;
    this.lazy.delete(name);
    const r = readText(file, this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    if (r.text === undefined) { this.skipped.push({ file, reason: r.reason ?? 'unreadable' }); return undefined; }
    const src = parseModule(this.parser, file, r.text, this.root);
    this.ws.addModule(src);
    return src;
  }

  /** Module names of files not parsed yet whose text holds `word` (read once per word and scan: a changed file
   * is parsed, no longer lazy). */
  private lazyMentioning(word: string): string[] {
    let hit = this.mentions.get(word);
    if (hit) return hit;
    hit = [];
    const re = new RegExp(`\\b${word.replace(/[^\w]/g, '')}\\b`);
    for (const [name, file] of this.lazy) {
      const r = readText(file, this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
      if (r.text !== undefined && re.test(r.text)) hit.push(name);
    }
    this.mentions.set(word, hit);
    return hit;
  }
  private mentions = new Map<string, string[]>();

  /** Module names of files not parsed yet (for dotted paths in strings, which may name them by suffix). */
  lazyModuleNames(): string[] {
    return [...this.lazy.keys()];
  }

  /** (Re)read one file from disk, or from `text` (an open editor buffer). */
  updateFile(file: string, text?: string): void {
    if (this.projectFile && file === this.projectFile.path) { this.loadProjectFile(file, text); return; }
    // A project file created (or one nearer than the current) while the editor runs takes over at once.
    if (!this.options.configPath && this.isNewProjectFile(file, text)) { this.loadProjectFile(file, text); return; }
    const def = this.definitions.findIndex((d) => d.path === file);
    if (def >= 0) { this.definitions[def] = readDefinitions(file, text); this.cache = undefined; return; }
    if (this.excluded(file)) return;
    if (file.endsWith('__init__.py')) forgetPackages();
    if (file.endsWith('.py')) {
      const t = text ?? readText(file, this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
      const src = typeof t === 'string' ? t : t.text;
      if (src === undefined) this.dropPython(file, typeof t === 'string' ? '' : t.reason ?? 'unreadable');
      else this.takePython(file, src, text !== undefined);
    } else {
      const max = this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
      let t = text ?? readText(file, max).text;
      if (t !== undefined && t.length > max) {
        this.skipped.push({ file, reason: `larger than ${Math.round(max / 1024)} KiB (${Math.round(t.length / 1024)} KiB): skipped` });
        t = undefined;
      }
      this.ws.setWorkers(file, t !== undefined ? safeWorkers(file, t) : []);
      const sup = t !== undefined ? findSuppressions(t) : [];
      if (sup.length) this.fileSuppressions.set(file, sup); else this.fileSuppressions.delete(file);
    }
    this.cache = undefined;
  }

  /** A Python module's text: an open buffer keeps its tree and IR so the next keystroke reparses and re-lowers
   * incrementally; a file from disk is parsed and its tree freed at once. */
  private takePython(file: string, src: string, open: boolean): void {
    const max = this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    if (src.length > max) { this.dropPython(file, `larger than ${Math.round(max / 1024)} KiB (${Math.round(src.length / 1024)} KiB): skipped`); return; }
    if (open) {
      let buf = this.buffers.get(file);
      if (!buf) {
        this.buffers.set(file, (buf = new OpenBuffer()));
        if (this.buffers.size > MAX_OPEN_BUFFERS) { const [f, b] = this.buffers.entries().next().value!; b.dispose(); this.buffers.delete(f); }
      }
      this.ws.setModule(buf.parse(this.parser, file, src, this.root));
    } else {
      this.buffers.get(file)?.dispose();
      this.buffers.delete(file);
      this.ws.setModule(parseModule(this.parser, file, src, this.root));
    }
  }

  private dropPython(file: string, reason: string): void {
    this.skipped.push({ file, reason });
    this.buffers.get(file)?.dispose();
    this.buffers.delete(file);
    this.ws.removeFile(file);
  }

  removeFile(file: string): void {
    if (file === this.projectFile?.path) { this.loadProjectFile(this.options.configPath ?? findProjectFile(this.root)); return; }
    if (file.endsWith('__init__.py')) forgetPackages();
    this.ws.removeFile(file);
    this.cache = undefined;
  }

  /** Force the transport (undefined: from the configuration); the next analysis uses it. */
  setTransport(transport: string | undefined): void {
    this.options.transport = transport;
    this.cache = undefined;
  }

  private version?: CeleryVersion;
  /** The project's Celery version: the project file, else requirements / lock files, else the newest. */
  get celeryVersion(): CeleryVersion {
    const forced = this.options.celeryVersion;
    if (forced) return { version: forced.split('.').slice(0, 2).join('.'), spec: forced, assumed: false };
    const pinned = this.projectFile?.config.celeryVersion;
    if (pinned) return { version: pinned.split('.').slice(0, 2).join('.'), spec: pinned, loc: this.projectFile!.locate(['celeryVersion']), assumed: false };
    return (this.version ??= detectCeleryVersion(this.root));
  }

  /** The text prefilter, plus the project's own task decorators. */
  private prefilter(): RegExp {
    const extra = (this.ws.options.taskDecorators ?? []).map((d) => d.split('.').pop()!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).filter(Boolean);
    return extra.length ? new RegExp(`${PY_PREFILTER.source}|${extra.join('|')}`) : PY_PREFILTER;
  }

  /** Scan the root: parse candidate files now, index the rest for on-demand import. A worker thread indexes
   * alongside this one (see model/index-files.ts); results are taken in file order, so a scan is the same
   * whichever thread did what. */
  scan(): void {
    forgetPackages();
    this.manageDirs.clear();
    this.mentions.clear();
    const files = listFiles(this.root, { exclude: (p) => this.excluded(p) });
    const max = this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    const prefilter = this.prefilter();
    const items: Indexed[] = new Array(files.python.length);
    indexShared(this.parser, { root: this.root, files: files.python, prefilter: { source: prefilter.source, flags: prefilter.flags }, maxSize: max }, (i, it) => { items[i] = it; });
    // folders the project puts on sys.path: modules below them are named from there
    const roots = sysPathRoots(items.filter((x): x is Indexed & { ir: ModuleIR } => !!x.ir));
    setImportRoots(this.root, roots);
    if (roots.length) for (const it of items) if (roots.some((r) => it.file.startsWith(r + sep))) it.module = moduleNameOf(it.file, this.root);
    for (const { file, module, ir, suppressions, reason } of items) {
      if (ir) {
        this.buffers.get(file)?.dispose();
        this.buffers.delete(file);
        this.ws.setModule({ module, file, ir, isPackage: file.endsWith('__init__.py'), suppressions });
      } else if (reason !== undefined) this.skipped.push({ file, reason });
      else this.lazy.set(module, file);
    }
    for (const f of files.workerFiles) {
      const r = readText(f, max);
      if (r.text !== undefined && mightContainWorker(r.text)) this.updateFile(f, r.text);
    }
    this.cache = undefined;
  }

  /** The inputs of the last state built, to keep it when an update changed none of them. */
  private lastBuilt?: { inputs: StateInputs; state: NonNullable<Project['cache']> };

  private get state() {
    if (!this.cache) {
      const facts = this.ws.apps();
      const inputs: StateInputs = {
        apps: facts, tasks: this.ws.tasks(), calls: this.ws.calls(), workers: this.workers,
        modules: [...this.ws.modules.values()], lazyModules: this.lazy.size, fileSuppressions: [...this.fileSuppressions.values()],
        others: [this.projectFile, ...this.definitions, this.options.transport, JSON.stringify(this.celeryVersion)],
      };
      if (this.lastBuilt && sameInputs(this.lastBuilt.inputs, inputs)) return (this.cache = this.lastBuilt.state);
      const transport = this.projectFile?.config.transport;
      const apps = facts.map((fact): ResolvedApp => {
        const c = buildConfig(this.ws, fact);
        if (transport) c.config.transport = transport;
        c.config.celeryVersion = this.celeryVersion.version;
        const defs = mergeDefinitions(this.definitions);
        if (defs) c.config.deployed = deployedTopology(defs, appVhost(c.settings));
        const id = `${fact.module}:${fact.variable}`;
        const config = this.canonical(id, this.options.transport ? { ...c.config, transport: this.options.transport } : c.config);
        return { id, fact, config, settings: c.settings, unknowns: c.unknowns };
      });
      const tasks = inputs.tasks;
      const calls = [...inputs.calls, ...apps.flatMap((a) => beatEntries(a))];
      const byName = new Map<string, TaskFact>();
      for (const t of tasks) if (!byName.has(t.name)) byName.set(t.name, t);
      this.cache = { apps, tasks, calls, byName };
      this.lastBuilt = { inputs, state: this.cache };
    }
    return this.cache;
  }

  private readonly configs = new Map<string, RoutingConfig>();

  /** The previous config object when nothing in it changed, so every cache keyed on it stays valid. */
  private canonical(appId: string, config: RoutingConfig): RoutingConfig {
    const prev = this.configs.get(appId);
    if (prev && deepEqual(prev, config)) return prev;
    this.configs.set(appId, config);
    return config;
  }

  get apps(): ResolvedApp[] { return this.state.apps; }
  get tasks(): TaskFact[] { return this.state.tasks; }
  get calls(): CallFact[] { return this.state.calls; }
  /** Every worker: those of the worker files, with a wrapper script's invocation replaced by the workers the
   * script starts given those arguments (`bash bin/celery_auto_restart.sh -A proj worker -Q a` running
   * `celery ${ARGS}` with `ARGS="$@"`). */
  get workers(): WorkerFact[] {
    const raw = this.ws.allWorkers();
    if (this.expandedWorkers.raw !== raw) {
      const through = (w: WorkerFact) => (w.viaScript ? this.throughScript(w) : w.viaCommand ? this.throughCommand(w) : [w]);
      this.expandedWorkers = { raw, list: raw.some((w) => w.viaScript || w.viaCommand) ? raw.flatMap(through) : raw };
    }
    return this.expandedWorkers.list;
  }
  private expandedWorkers = { raw: [] as WorkerFact[], list: [] as WorkerFact[] };

  /** The workers a wrapper script starts with the invocation's arguments (`$@`, `$*`, `$1`...): named and
   * placed as the invocation; when the script is not in the workspace, those the arguments start alone
   * (`entrypoint: /docker-entrypoint.sh` of an image, `command: celery worker ...`). */
  private throughScript(w: WorkerFact): WorkerFact[] {
    const s = w.viaScript!;
    const file = [resolve(dirname(w.loc.file), s.path), resolve(this.root, s.path)].find((f) => f.startsWith(this.root + sep) && existsSync(f));
    const r = file ? readText(file, this.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE) : undefined;
    if (!file || r?.text === undefined) return s.direct;
    const vars: Record<string, string> = { '@': s.args.join(' '), '*': s.args.join(' '), '#': String(s.args.length) };
    s.args.slice(0, 9).forEach((a, k) => { vars[String(k + 1)] = a; });
    const found = extractWorkers(file, r.text, { vars }).filter((x) => !x.viaScript && !x.viaCommand);
    // a script that does not visibly run celery with them: the arguments alone, as before
    if (!found.length) return s.direct;
    return found.map((x) => ({
      // named by its -n when the arguments give one, else as the invocation (not after the script)
      ...x, name: x.name === basename(file).replace(/\.[^.]*$/, '') ? w.name : x.name, loc: w.loc, runsOn: w.runsOn, command: `${w.command} → ${relative(this.root, file)}: ${x.command}`,
      // the -Q values are the invocation's, not text of the script: no edits aimed at them
      queueLocs: undefined,
    }));
  }

  /** The workers a management command of the workspace starts (`hue runcelery worker --app desktop.celery`): the
   * celery command line its module builds, with the invocation's options; named and placed as the invocation. */
  private throughCommand(w: WorkerFact): WorkerFact[] {
    const c = w.viaCommand!;
    const m = this.ws.findModule(`management.commands.${c.name}`);
    const line = m ? commandCeleryLine(m.ir, c.args) : undefined;
    if (!m || line === undefined) return [];
    // argparse stops the command before celery starts when a required option is not given
    const missing = missingRequiredOptions(m.ir, c.args);
    const fails = missing.length
      ? `${c.name} requires ${missing.map((o) => o.flag).join(', ')} (required=True at ${relative(this.root, m.file)}:${missing[0].r[0] + 1}), which this command does not give: Django's argument parser exits before celery starts`
      : undefined;
    return workersFromCommandLine(m.file, line, w.name).map((x) => ({
      ...x, loc: w.loc, runsOn: w.runsOn, command: `${w.command} → ${relative(this.root, m.file)}: ${x.command}`, queueLocs: undefined,
      ...(fails ? { failsToStart: fails } : {}),
    }));
  }
  task(name: string): TaskFact | undefined { return this.state.byName.get(name); }

  /** The app a task or call belongs to: by id, by the task's app variable, else the first app. */
  appFor(id?: string, task?: TaskFact): ResolvedApp | undefined {
    const apps = this.apps;
    if (id) return apps.find((a) => a.id === id || a.fact.aliases?.includes(id)) ?? apps.find((a) => a.fact.variable === id || a.fact.module === id);
    const wanted = this.projectFile?.config.apps?.[0];
    if (wanted) { const a = apps.find((x) => x.id === wanted || x.fact.module === wanted); if (a) return a; }
    if (task?.appId) {
      const own = apps.find((a) => a.id === task.appId);
      if (own) return own;
    }
    if (task?.appVariable) {
      const sameModule = apps.find((a) => a.fact.module === task.module && a.fact.variable === task.appVariable);
      if (sameModule) return sameModule;
    }
    // an app imported from a package: the project file's externalApp describes it, else its configuration is not known
    if (task?.externalApp) return this.ws.options.externalApp ? apps.find((a) => a.fact.module === 'externalApp') : undefined;
    // a shared_task runs in the process that imports it: in a Django project, the app its package __init__ loads
    if (task && !task.appVariable && apps.length > 1) {
      const dj = this.djangoProjectApp(task.loc.file, apps);
      if (dj) return dj;
    }
    // Prefer an app that has a configuration source (the real project app) over throwaway ones.
    return apps.find((a) => a.fact.sources.length > 0) ?? apps[0];
  }

  /**
   * The app a worker runs, when the workspace has several: its `-A` as Celery's find_app reads it (`module:attr`,
   * a module attribute, a module's `app` / `celery`, a package's `celery` submodule, else the one app the module
   * binds), or — for `manage.py celery worker`, which takes no `-A` — the app of the Django project the worker
   * file belongs to (`djangoProjectApp`). Undefined: not
   * determined (a worker's queues are then read from the sending app's configuration).
   */
  workerApp(w: WorkerFact): ResolvedApp | undefined {
    const apps = this.apps;
    if (this.workerApps.apps !== apps) this.workerApps = { apps, map: new WeakMap() };
    if (!this.workerApps.map.has(w)) this.workerApps.map.set(w, apps.length > 1 ? this.findWorkerApp(w, apps) : undefined);
    return this.workerApps.map.get(w);
  }
  private workerApps = { apps: [] as ResolvedApp[], map: new WeakMap<WorkerFact, ResolvedApp | undefined>() };

  /** Whether the app a worker runs is not one of the workspace's: its -A names a module outside the workspace (an
   * app a package makes), or, with several apps, its -A / Django project leads to none of them. */
  workerAppUnknown(w: WorkerFact): boolean {
    const apps = this.apps;
    if (this.appUnknown.apps !== apps) this.appUnknown = { apps, map: new WeakMap() };
    let hit = this.appUnknown.map.get(w);
    if (hit === undefined) this.appUnknown.map.set(w, (hit = this.findAppUnknown(w)));
    return hit;
  }
  private appUnknown = { apps: [] as ResolvedApp[], map: new WeakMap<WorkerFact, boolean>() };

  private findAppUnknown(w: WorkerFact): boolean {
    if (w.app && /[${]/.test(w.app)) return false; // an -A from a variable: not known either way
    if (this.apps.length > 1 && (w.app || w.djangoManage) && !this.workerApp(w)) return true;
    if (!w.app) return false;
    const mod = w.app.split(':', 1)[0];
    const parent = mod.includes('.') ? mod.slice(0, mod.lastIndexOf('.')) : '';
    return !this.ws.getModule(mod) && !(parent && this.ws.getModule(parent)) && !this.ws.findModule(mod);
  }

  private findWorkerApp(w: WorkerFact, apps: ResolvedApp[]): ResolvedApp | undefined {
    const appOf = (v: Value | undefined) => appOfValue(v, apps);
    const envOf = (m: string) => (this.ws.getModule(m) ? this.ws.eval.module(m)?.env : undefined);
    const inModule = (m: string, depth = 0): ResolvedApp | undefined => {
      const env = envOf(m);
      if (!env) return undefined;
      const found = appOf(env.get('app')) ?? appOf(env.get('celery'));
      if (found) return found;
      if (depth === 0 && this.ws.getModule(m)?.isPackage) { const sub = inModule(`${m}.celery`, 1); if (sub) return sub; }
      const bound = [...new Set([...env.values()].map(appOf).filter((a): a is ResolvedApp => !!a))];
      return bound.length === 1 ? bound[0] : undefined;
    };
    if (w.app) {
      const [mod, attr] = w.app.split(':', 2);
      if (attr) return appOf(envOf(mod)?.get(attr));
      const dot = mod.lastIndexOf('.');
      return (dot > 0 ? appOf(envOf(mod.slice(0, dot))?.get(mod.slice(dot + 1))) : undefined) ?? inModule(mod);
    }
    return w.djangoManage ? this.djangoProjectApp(w.loc.file, apps) : undefined;
  }

  /**
   * The app of the Django project `file` belongs to (the folder of the nearest manage.py above it; a monorepo has
   * several): the one app a package `__init__` there imports — Celery's Django recipe, `from .celery import app
   * as celery_app`, which makes it the current app when Django starts. Memoised per state.
   */
  private djangoProjectApp(file: string, apps: ResolvedApp[]): ResolvedApp | undefined {
    const project = this.djangoProjectOf(dirname(file));
    if (!project) return undefined; // not in a Django project
    if (this.djangoApps.apps !== apps) this.djangoApps = { apps, byProject: new Map() };
    if (this.djangoApps.byProject.has(project)) return this.djangoApps.byProject.get(project);
    const appOf = (v: Value) => appOfValue(v, apps);
    const imported = (name?: string) => {
      const found = new Set<ResolvedApp>();
      for (const [m, src] of this.ws.modules) {
        if (!src.isPackage || !src.file.startsWith(project! + sep)) continue;
        const env = this.ws.eval.module(m)?.env;
        if (env) for (const [k, v] of env) { const a = (!name || k === name) ? appOf(v) : undefined; if (a) found.add(a); }
      }
      return found.size === 1 ? [...found][0] : undefined;
    };
    const app = imported('celery_app') ?? imported();
    this.djangoApps.byProject.set(project, app);
    return app;
  }
  private djangoApps = { apps: [] as ResolvedApp[], byProject: new Map<string, ResolvedApp | undefined>() };

  /** The nearest folder at or above `dir` (inside the root) that holds a manage.py; per folder until the next scan
   * (routes of shared tasks ask it after every edit: no file-system walk per keystroke). */
  private djangoProjectOf(dir: string): string | undefined {
    if (this.manageDirs.has(dir)) return this.manageDirs.get(dir);
    const found = !dir.startsWith(this.root) || dir === dirname(dir) ? undefined : existsSync(resolve(dir, 'manage.py')) ? dir : this.djangoProjectOf(dirname(dir));
    this.manageDirs.set(dir, found);
    return found;
  }
  private readonly manageDirs = new Map<string, string | undefined>();

  /** Where does this message go? The one entry to the routing engine for every feature. */
  route(call: RouteCall): Route {
    const def = this.task(call.task);
    // The plain route of a task (what lenses, hovers and diagnostics ask for every task after every edit):
    // memoised on the task definition, valid while the app's config and the workers are the same objects.
    // Shared, so frozen: a caller that wants to add steps routes with options (routeCall) and gets its own.
    if (def && !call.options && !call.arguments && !call.app && (call.via ?? 'apply_async') === 'apply_async') {
      const config = this.appFor(undefined, def)?.config;
      const hit = this.plainRoutes.get(def);
      if (hit && hit.config === config && hit.workers === this.workers) return hit.route;
      const route = this.computeRoute(call, def);
      Object.freeze(route.steps);
      Object.freeze(route.unknowns);
      this.plainRoutes.set(def, { config, workers: this.workers, route });
      return route;
    }
    return this.computeRoute(call, def);
  }

  private plainRoutes = new WeakMap<TaskFact, { config: RoutingConfig | undefined; workers: WorkerFact[]; route: Route }>();

  private computeRoute(call: RouteCall, def: TaskFact | undefined): Route {
    const app = this.appFor(call.app, def);
    const config = app?.config ?? DEFAULT_CONFIG;
    const via = call.via ?? 'apply_async';
    const req = {
      task: call.task,
      options: call.options ?? {},
      taskAttributes: via === 'send_task' || !def ? undefined : taskAttributes(def),
      via,
      arguments: call.arguments,
    };
    const memoed = this.memoRoute(config, req);
    const unknowns = [...memoed.unknowns];
    if (def?.nameUnknown) unknowns.push(`the task's name: ${def.nameUnknown}`);
    if (!app && def?.externalApp) unknowns.push(`the task's app ${def.externalApp} is made outside the workspace: its configuration is not known, Celery defaults assumed (describe it under externalApp in celery-routing.json)`);
    else if (!app) unknowns.push('no Celery app was found in the workspace: Celery defaults assumed (an app made by a package: describe it under externalApp in celery-routing.json)');
    else for (const u of app.unknowns) unknowns.push(`${u.what}: ${u.reason}`);
    const consumers: Consumer[] = [];
    // a delayed message (Celery 5.5) sits in celery_delayed_N first: its consumers are those of where it ends up
    for (const q of memoed.delayed?.deliveredAfterDelay ?? memoed.deliveredTo) consumers.push(...this.consumers(q, config));
    return routeOf(memoed, unknowns, consumers, app?.id ?? null, def, this.celeryVersion);
  }

  private readonly routeMemo = new WeakMap<RoutingConfig, Map<string, RouteTrace>>();
  private consumerMemo = { workers: undefined as WorkerFact[] | undefined, apps: undefined as ResolvedApp[] | undefined, byConfig: new WeakMap<RoutingConfig, Map<string, Consumer[]>>() };

  /** The workers consuming a queue, memoised until the apps, the config or the worker files change. */
  consumers(queue: string, config: RoutingConfig): Consumer[] {
    const workers = this.workers;
    const apps = this.apps;
    if (this.consumerMemo.workers !== workers || this.consumerMemo.apps !== apps) this.consumerMemo = { workers, apps, byConfig: new WeakMap() };
    let m = this.consumerMemo.byConfig.get(config);
    if (!m) this.consumerMemo.byConfig.set(config, (m = new Map()));
    let c = m.get(queue);
    if (!c) m.set(queue, (c = consumersOf(queue, workers, config, this.workerConfig)));
    return c;
  }

  /** A worker's own app's configuration, when known (see `workerApp`). */
  readonly workerConfig = (w: WorkerFact): RoutingConfig | undefined => this.workerApp(w)?.config;

  /**
   * routeMessage, memoised per (canonical) config: after an edit that leaves the configuration as it was,
   * every route is a lookup. ETA sends depend on the clock and are not memoised.
   */
  private memoRoute(config: RoutingConfig, req: RouteRequest): RouteTrace {
    if (req.options.eta !== undefined) return routeMessage(config, req);
    let m = this.routeMemo.get(config);
    if (!m) this.routeMemo.set(config, (m = new Map()));
    const key = JSON.stringify(req);
    let hit = m.get(key);
    if (!hit) m.set(key, (hit = routeMessage(config, req)));
    return hit;
  }

  /**
   * Route a call site found in the code. Memoised on the call fact (the same object while its module is
   * unchanged) for as long as the config, the workers and the called task's definition are the same objects;
   * shared, so its step lists are frozen.
   */
  routeCall(c: CallFact): Route | undefined {
    if (!c.taskName) return undefined;
    const def = this.task(c.taskName);
    const config = this.appFor(undefined, def)?.config;
    const hit = this.callRoutes.get(c);
    if (hit && hit.config === config && hit.workers === this.workers && hit.def === def) return hit.route;
    const route = this.computeCallRoute(c, c.taskName);
    Object.freeze(route.steps);
    Object.freeze(route.unknowns);
    this.callRoutes.set(c, { config, workers: this.workers, def, route });
    return route;
  }

  private callRoutes = new WeakMap<CallFact, { config: RoutingConfig | undefined; workers: WorkerFact[]; def: TaskFact | undefined; route: Route }>();

  private computeCallRoute(c: CallFact, taskName: string): Route {
    const options: RouteOptions = {};
    for (const [k, v] of Object.entries(c.options)) if (v) setOption(options, k, v as Value);
    const sends = c.via === 'delay' || c.via === 'apply_async';
    // Beat: task.apply_async(**entry.options) when the task is registered in the beat process, else
    // app.send_task(name, **entry.options) (celery/beat.py Scheduler.apply_async).
    const beatSendTask = c.via === 'beat' && !this.task(taskName);
    const r = this.route({ task: taskName, options, via: c.via === 'send_task' || beatSendTask ? 'send_task' : 'apply_async', arguments: sends ? c.arguments : undefined });
    if (c.via === 'beat') r.steps.unshift(beatSendTask
      ? `beat: '${taskName}' is not a task of this workspace, so beat calls app.send_task('${taskName}', **options): no task attributes apply`
      : `beat: the task is registered in the beat process (its module is imported by the app), so beat calls task.apply_async(**options)`);
    if (c.canvas) r.steps.unshift(canvasStepText(c.canvas, where(c.canvas.sentAt, this.root)));
    if (c.runsTask) r.steps.unshift(`${c.via}: '${c.runsTask}' runs inside the builtin task '${taskName}', which is routed by its own name (celery #4738)`);
    return r;
  }
}

/**
 * A Route from a (shared, memoised) trace, with its own step and unknown lists — callers decorate them. Fields are
 * listed, not spread: a spread copy that then gets more fields costs V8 a new hidden class per object (3 KB a route
 * measured, 1,000 routes per configuration change).
 */
function routeOf(t: RouteTrace, unknowns: string[], consumers: Consumer[], app: string | null, definition: TaskFact | undefined, celery: CeleryVersion): Route {
  // in the trace's own order (routeMessage's literal, then what it adds): JSON output stays as it was
  const r = {
    task: t.task, queue: t.queue, exchange: t.exchange, routingKey: t.routingKey, priority: t.priority,
    deliveredTo: t.deliveredTo, deliveredToRedis: t.deliveredToRedis, dropped: t.dropped, droppedOnRedis: t.droppedOnRedis,
    error: t.error, brokerError: t.brokerError, decidedBy: t.decidedBy, steps: [...t.steps], unknowns, autoCreated: t.autoCreated,
    publish: t.publish, redisLists: t.redisLists, redisPubSub: t.redisPubSub, redisFanoutQueues: t.redisFanoutQueues, redisError: t.redisError,
  } as Route;
  if ('matchedRoute' in t) r.matchedRoute = t.matchedRoute;
  if ('delayed' in t) r.delayed = t.delayed;
  r.consumers = consumers;
  r.app = app;
  r.definition = definition;
  r.celery = celery;
  return r;
}
/** Every field of a trace is copied by routeOf: a field added to RouteTrace fails to compile here until it is. */
type CopiedByRouteOf = 'task' | 'queue' | 'exchange' | 'routingKey' | 'priority' | 'deliveredTo' | 'deliveredToRedis' | 'dropped'
  | 'droppedOnRedis' | 'error' | 'brokerError' | 'decidedBy' | 'steps' | 'unknowns' | 'autoCreated' | 'matchedRoute' | 'publish'
  | 'redisLists' | 'redisPubSub' | 'redisFanoutQueues' | 'redisError' | 'delayed';
const everyTraceFieldCopied: Exclude<keyof RouteTrace, CopiedByRouteOf> extends never ? true : never = true;
void everyTraceFieldCopied;

export function taskAttributes(t: TaskFact): TaskAttributes {
  const o: RouteOptions = {};
  for (const [k, v] of Object.entries(t.options)) if (v) setOption(o, k, v as Value);
  const { queue, exchange, routing_key, priority, unknown } = o;
  return { queue: typeof queue === 'string' ? queue : queue === null ? null : undefined, exchange, routing_key, priority, unknown, signature: t.signature, typing: t.typing };
}

const MAX_OPEN_BUFFERS = 32;

/** Celery's defaults: what routes use when the workspace makes no Celery app. */
export const DEFAULT_CONFIG: RoutingConfig = {
  defaultQueue: 'celery', defaultExchange: 'celery', defaultExchangeType: 'direct', defaultRoutingKey: 'celery',
  createMissingQueues: true, defaultPriority: null, queueMaxPriority: null, queues: null, routes: null, transport: 'amqp',
};

/** `beat_schedule` entries of an app: {'name': {'task': 'x', 'schedule': ..., 'options': {...}}}. */
function beatEntries(app: ResolvedApp): CallFact[] {
  const v = app.settings.get('beat_schedule').value;
  if (v.kind !== 'dict') return [];
  const out: CallFact[] = [];
  for (const e of v.entries) {
    if (e.value.kind !== 'dict') continue;
    const get = (k: string) => (e.value.kind === 'dict' ? e.value.entries.find((x) => x.key.kind === 'str' && x.key.value === k)?.value : undefined);
    const task = get('task');
    if (task?.kind !== 'str' || !task.loc) continue;
    const opts = get('options');
    const options: CallFact['options'] = {};
    if (opts?.kind === 'dict') for (const o of opts.entries) if (o.key.kind === 'str' && ['queue', 'routing_key', 'exchange', 'priority'].includes(o.key.value)) options[o.key.value as 'queue'] = o.value;
    out.push({ taskName: task.value, via: 'beat', options, loc: task.loc, module: app.fact.module, periodic: e.key.kind === 'str' ? e.key.value : undefined });
  }
  return out;
}

/** A worker of the project file: queues given, or a command line parsed like the ones in files. */
function projectWorker(w: ProjectWorker, loc: Loc): WorkerFact[] {
  if (w.command) {
    const parsed = safeWorkers('Procfile', `${w.name}: ${w.command}`);
    return parsed.map((p) => ({ ...p, name: w.name, loc, queueLocs: undefined, runsOn: w.runsOn }));
  }
  return [{ name: w.name, queues: w.queues, excludeQueues: w.excludeQueues, command: `(celery-routing.json) ${w.queues ? `-Q ${w.queues.join(',')}` : 'all queues'}`, loc, runsOn: w.runsOn }];
}

/** Glob (`**`, `*`, `?`) relative to the project file → RegExp on '/'-separated paths. */
function globRegex(g: string): RegExp {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') { re += '.*'; i++; if (g[i + 1] === '/') i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})(?:/.*)?$`);
}

function safeWorkers(file: string, text: string): WorkerFact[] {
  try { return extractWorkers(file, text); } catch { return []; }
}

/** Open and scan a folder. */
export async function openProject(root: string, options: ProjectOptions = {}): Promise<Project> {
  const parser = await pythonParser();
  const p = new Project(resolve(root), parser, options);
  p.scan();
  return p;
}

export type { Loc };

/** The app a value is (an app bound to a name anywhere: `app`, an imported `celery_app`), among `apps`. */
function appOfValue(v: Value | undefined, apps: ResolvedApp[]): ResolvedApp | undefined {
  return v?.kind === 'ref' && v.ref.kind === 'app' ? apps.find((a) => a.fact.module === v.ref.module && a.fact.variable === v.ref.name) : undefined;
}
