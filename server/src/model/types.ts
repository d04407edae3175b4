/**
 * The model: plain data extracted from the workspace. No LSP, no tree-sitter types here.
 * Positions are zero-based (line, character), like LSP, so the LSP layer passes them through.
 */

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }
/** A place in the workspace. `file` is an absolute filesystem path. */
export interface Loc { file: string; range: Range }

// ---------------------------------------------------------------- values

/** Why a value is not a plain constant: it may differ at runtime. */
export interface ValueMeta {
  loc?: Loc;
  /** Taken from an environment variable's default (`os.environ.get('X', 'd')`). */
  env?: { variable: string; hasDefault: boolean };
  /** Assigned in an if/else (or try/except): `alternatives` holds the other branches' values. */
  conditional?: boolean;
  alternatives?: Value[];
}

export type Value =
  | ({ kind: 'str'; value: string } & ValueMeta)
  | ({ kind: 'num'; value: number } & ValueMeta)
  | ({ kind: 'bool'; value: boolean } & ValueMeta)
  | ({ kind: 'none' } & ValueMeta)
  | ({ kind: 'list' | 'tuple' | 'set'; items: Value[] } & ValueMeta)
  | ({ kind: 'dict'; entries: DictEntry[] } & ValueMeta)
  /** `re.compile('pat')` */
  | ({ kind: 'regex'; pattern: string } & ValueMeta)
  /** A kombu object: Queue / Exchange / binding / Broadcast, with its arguments evaluated. */
  | ({ kind: 'kombu'; type: 'Queue' | 'Exchange' | 'binding' | 'Broadcast'; args: Value[]; kwargs: Record<string, Value> } & ValueMeta)
  /** A reference to a function or class defined in the workspace (routers). */
  | ({ kind: 'ref'; ref: SymbolRef } & ValueMeta)
  /** Anything the evaluator cannot know statically. Never a silent guess. */
  | ({ kind: 'unknown'; reason: string } & ValueMeta);

export interface DictEntry { key: Value; value: Value }

export interface SymbolRef {
  /** Dotted module path, e.g. `proj.routers` (for `external`: the full dotted name, e.g. `kombu.Queue`). */
  module: string;
  /** Name inside the module (`route_task`, `MyRouter`); '' for a module itself. */
  name: string;
  /**
   * function / class: defined in the workspace; module: a workspace module; external: something from a
   * library (`kombu.Queue`, `os.environ`); app: a Celery instance; task: a task function (see `task`).
   */
  kind: 'function' | 'class' | 'module' | 'external' | 'app' | 'task';
  /** For `task`: the registered task name. */
  task?: string;
  loc?: Loc;
}

// ---------------------------------------------------------------- settings

/** How a setting name was written. */
export type NameStyle = 'new' | 'old' | 'namespaced';

export interface SettingFact {
  /** Canonical new (lowercase) name, e.g. `task_routes`. */
  key: string;
  /** The name as written (`CELERY_ROUTES`, `CELERY_TASK_ROUTES`, `task_routes`). */
  written: string;
  style: NameStyle;
  value: Value;
  /** Where the name is written (the key's range). */
  loc: Loc;
}

/** A settings source: a module, a config class, `app.conf.update(...)`, `app.conf.x = ...` etc. */
export interface ConfigSource {
  kind: 'module' | 'class' | 'conf-attr' | 'conf-update' | 'constructor';
  /** Module (or module.Class) the settings come from. */
  name: string;
  namespace?: string;
  settings: SettingFact[];
  loc?: Loc;
  /** Why the settings could not be read (a module or class not found in the workspace): any setting may come
   * from there, so every answer carries it as an Unknown. */
  unread?: string;
}

// ---------------------------------------------------------------- apps, tasks, calls, workers

export interface AppFact {
  /** Python variable holding the app, e.g. `app`; with its module: `proj.celery:app`. */
  variable: string;
  module: string;
  /** `Celery('main', ...)`: the main name (used for `__main__` task names). */
  main?: string;
  loc: Loc;
  /** Settings sources in the order Celery applies them (later wins). */
  sources: ConfigSource[];
  /** Modules listed in `include=` / `autodiscover_tasks` (informational). */
  includes: string[];
  /** Other `module:variable` names bound to this app (`app = create_app()`). */
  aliases?: string[];
}

/** `countdown` / `eta` come from call sites only (apply_async kwargs / options): Celery 5.5 native delayed delivery. */
export type TaskOptionKey = 'queue' | 'routing_key' | 'exchange' | 'priority' | 'exchange_type' | 'countdown' | 'eta';

export interface TaskFact {
  /** Full task name as Celery registers it. */
  name: string;
  /** How the name was obtained. */
  nameSource: 'explicit' | 'automatic' | 'class-attribute';
  /** The app names tasks its own way (gen_task_name) and it could not be followed: why. */
  nameUnknown?: string;
  /** Python function (or class) name. */
  func: string;
  module: string;
  /** Options given to the decorator / as class attributes (evaluated). */
  options: Partial<Record<TaskOptionKey, Value>>;
  /** `@app.task` → app variable name; `@shared_task` → undefined. */
  appVariable?: string;
  /** `@app.task` → the app's id (`module:variable` where it is made), whichever module the task is in. */
  appId?: string;
  /** `@app.task` of an app imported from a package outside the workspace (`from blueapps.core.celery.celery import
   * app`): its dotted name. The task's options are known, its app's configuration is not. */
  externalApp?: string;
  decorator: string;
  /** Location of the function name. */
  loc: Loc;
  /** Location of the whole definition (decorators included). */
  defLoc: Loc;
  /** Parameters of the function (or `run` method) and `bind=True`, for Celery's argument check. */
  signature?: { func: string; params: Array<{ name: string; kind: 'pos' | 'pos-default' | 'star' | 'kwonly' | 'kwonly-default' | 'dstar' }>; bound: boolean };
  /** `typing=False` in the decorator. */
  typing?: boolean;
}

/** How a call sends: directly, as a signature, through a canvas builtin (`.map` → `celery.map`), or by beat. */
export type CallVia = 'delay' | 'apply_async' | 'send_task' | 'signature' | 's' | 'si' | 'set' | 'map' | 'starmap' | 'chunks' | 'beat';

export interface CallFact {
  /** Task name when known (send_task / signature literal, or a task function resolved by name). */
  taskName?: string;
  /** Python expression that names the task function (e.g. `add`, `tasks.add`), for resolution. */
  taskExpr?: string;
  via: CallVia;
  options: Partial<Record<TaskOptionKey, Value>>;
  loc: Loc;
  module: string;
  /** Arguments when statically countable (no *args / **kwargs splats): positional count, keyword names. */
  arguments?: { args: number; kwargs: string[] };
  /** `.map/.starmap/.chunks`: the task that runs inside the builtin `celery.map` (etc.) task. */
  runsTask?: string;
  /** beat: the schedule entry's name (`beat_schedule` key or add_periodic_task name=). */
  periodic?: string;
  /** A signature sent as part of a group / chain / chord (its options already include the canvas's). */
  canvas?: CanvasPart;
}

/** Where a signature sits in a sent canvas (model/canvas.ts). */
export interface CanvasPart {
  canvas: 'group' | 'chain' | 'chord';
  /** now: published by the sending call; after-previous: by the worker that ran the previous chain step;
   *  chord-body: by the result backend once every header task has finished. */
  step: 'now' | 'after-previous' | 'chord-body';
  /** The call that sends the canvas. */
  sentAt: Loc;
  /** The options the sending call (and the canvas constructor) gave: reaching this part or not. */
  canvasOptions: Partial<Record<TaskOptionKey, Value>>;
  /** The signature's own options the canvas replaced with a different value. */
  overridden?: TaskOptionKey[];
}

export interface WorkerFact {
  /** A readable name: the compose service, Procfile process type, `celery multi` node, file stem. */
  name: string;
  /** `-A` value, when given. */
  app?: string;
  /** Started as `manage.py celery worker` (a Django management command: runs the project's app, takes no -A). */
  djangoManage?: boolean;
  /** Not a worker yet: `bash bin/run_celery.sh -A proj worker -Q a` runs a script of the workspace with these
   * arguments; the workers it starts are read from it (see Workspace.allWorkers). */
  viaScript?: { path: string; args: string[]; direct: WorkerFact[] };
  /** Not a worker yet: `hue runcelery worker --app x`, `manage.py celery_worker` run a Django management command
   * of the workspace that builds a celery command line; the workers are read from the command's module. */
  viaCommand?: { name: string; args: string[] };
  /** Why this worker never consumes: its command exits first (a management command's required option not given). */
  failsToStart?: string;
  /** Queues from `-Q/--queues`; undefined when not given (consumes every queue in task_queues). */
  queues?: string[];
  /** Queues from `-X/--exclude-queues`. */
  excludeQueues?: string[];
  /** The whole command line as written. */
  command: string;
  /** Where the command is. */
  loc: Loc;
  /** Range of each queue name in -Q / -X, in the same order. */
  queueLocs?: Loc[];
  /** Values taken from `${VAR:-default}` or similar: marked so hovers can say so. Written `VAR=value`. */
  envDefaults?: string[];
  /**
   * Variables / template expressions with no known value (`QUEUES` for `$QUEUES`, `{{ .Values.queues }}`,
   * `$(cat queues.txt)`) that the name, app, queues or options depend on. The text is kept as written in
   * `queues` / `name` (e.g. queue `$QUEUES`), so a non-empty list means "may differ at runtime".
   */
  unresolved?: string[];
  /** Free text: where it runs (project file). */
  runsOn?: string;
}

