/**
 * Options building (Task.apply_async, celery/app/task.py:547-552) and `Router.route`
 * (celery/app/routes.py:66-136): task attributes, apply_async arguments, task_routes, default queue.
 */
import type {
  Decider, FunctionRule, MapRouteEntry, NameTest, QueueSpec, RouteKey, RouteOptions, RouteRequest, RouterSpec, RouteValue,
  RoutingConfig,
} from './types';
import type { Loc } from '../model/types';
import { ExpandedQueues, XQueue, expandQueues, lookupQueue, newMissingQueue, queueObject } from './queues';
import { compilePyRegex, globToRegexSource, pyRepr, queueNotFound } from './pyutil';

export type OptKey = 'queue' | 'exchange' | 'routing_key' | 'priority' | 'exchange_type';
const KEYS: OptKey[] = ['queue', 'routing_key', 'exchange', 'priority', 'exchange_type'];

/** One option as the router carries it; `value` null = Python None. */
export interface Opt { value: string | number | QueueSpec | XQueue | null; by: Decider }

export interface RouterOutput {
  /** The options handed to `send_task_message` (None-valued keys absent, like lpmerge leaves them). */
  queue: XQueue | null;
  exchange: string | null;
  routingKey: string | null;
  priority: number | null;
  exchangeType: string | null;
  decidedBy: Partial<Record<OptKey, Decider>>;
  matchedRoute?: { router: number; entry?: number; loc?: Loc };
  error: string | null;
  steps: string[];
  unknowns: string[];
  /** Queues created by `Queues.__missing__` while routing (create_missing). */
  autoCreated: XQueue[];
}

// ------------------------------------------------------------------ compiled routers (cached)

interface CompiledMap {
  kind: 'map';
  /** Exact names: a later duplicate key wins (Python dict). */
  exact: Map<string, { entry: number; value: RouteValue; loc?: Loc; key: string }>;
  /** Patterns in insertion order (OrderedDict keyed by the compiled pattern; re.compile caches, so an
   * equal pattern string is the same key: first position, last value). */
  patterns: { entry: number; re: RegExp | null; error?: string; value: RouteValue; loc?: Loc; key: string; kind: 'glob' | 'regex' }[];
  loc?: Loc;
}
type CompiledRouter = CompiledMap | Exclude<RouterSpec, { kind: 'map' }>;

const compiled = new WeakMap<RouterSpec[], CompiledRouter[]>();

const keyCache = new Map<string, RegExp | null>();

/**
 * The compiled pattern of a task_routes key as MapRoute uses it: a glob (only keys with '*') or a
 * re.compile pattern, matched with re.match; null for an exact name or a pattern JavaScript cannot run.
 * Every feature that asks "does this route catch that task" uses this.
 */
export function routeKeyRegex(key: RouteKey): RegExp | null {
  if (key.kind === 'exact' && !key.name.includes('*')) return null;
  const id = key.kind === 'regex' ? `re:${key.pattern}` : `glob:${key.kind === 'glob' ? key.glob : key.name}`;
  let re = keyCache.get(id);
  if (re === undefined) {
    re = key.kind === 'regex' ? compilePyRegex(key.pattern).re : new RegExp(globToRegexSource(key.kind === 'glob' ? key.glob : key.name));
    keyCache.set(id, re);
  }
  return re;
}

/** Whether a key catches a task name: an exact name, or its pattern matched from the start. */
export function routeKeyMatches(key: RouteKey, name: string): boolean {
  if (key.kind === 'exact' && !key.name.includes('*')) return key.name === name;
  return routeKeyRegex(key)?.test(name) ?? false;
}

function compileMap(entries: MapRouteEntry[], loc?: Loc): CompiledMap {
  const exact = new Map<string, { entry: number; value: RouteValue; loc?: Loc; key: string }>();
  const patterns: CompiledMap['patterns'] = [];
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const k = e.key;
    // MapRoute.__init__ (routes.py:33-40): Pattern objects and strings containing '*' are patterns
    let pat: { src: string; key: string; kind: 'glob' | 'regex'; re: RegExp | null; error?: string } | null = null;
    if (k.kind === 'regex') {
      const r = compilePyRegex(k.pattern);
      pat = { src: k.pattern, key: `re.compile(${pyRepr(k.pattern)})`, kind: 'regex', re: r.re, error: r.error };
    } else {
      const name = k.kind === 'exact' ? k.name : k.glob;
      if (name.includes('*')) pat = { src: `glob:${name}`, key: name, kind: 'glob', re: new RegExp(globToRegexSource(name)) };
      else exact.set(name, { entry: i, value: e.value, loc: e.loc ?? e.value.loc, key: name });
    }
    if (!pat) return;
    const item = { entry: i, re: pat.re, error: pat.error, value: e.value, loc: e.loc ?? e.value.loc, key: pat.key, kind: pat.kind };
    const at = seen.get(pat.src);
    if (at !== undefined) patterns[at] = { ...item, entry: patterns[at].entry };
    else {
      seen.set(pat.src, patterns.length);
      patterns.push(item);
    }
  });
  return { kind: 'map', exact, patterns, loc };
}

function compileRouters(routes: RouterSpec[]): CompiledRouter[] {
  let c = compiled.get(routes);
  if (!c) {
    c = routes.map((r) => (r.kind === 'map' ? compileMap(r.entries, r.loc) : r));
    compiled.set(routes, c);
  }
  return c;
}

// ------------------------------------------------------------------ helpers

const isQueueObj = (v: unknown): v is QueueSpec | XQueue => typeof v === 'object' && v !== null;
const fmtVal = (v: Opt['value']): string =>
  v === null ? 'None' : typeof v === 'number' ? String(v) : typeof v === 'string' ? pyRepr(v)
    : 'display' in v ? pyRepr(v.display) : `Queue(${pyRepr(v.name)})`;

function nameTest(t: NameTest, name: string): boolean {
  switch (t.kind) {
    case 'equals': return name === t.value;
    case 'startswith': return name.startsWith(t.value);
    case 'endswith': return name.endsWith(t.value);
    case 'in': return t.values.includes(name);
    case 'contains': return name.includes(t.value);
  }
}

const ruleMatches = (r: FunctionRule, name: string): boolean =>
  r.match === 'any' ? r.tests.some((t) => nameTest(t, name)) : r.tests.every((t) => nameTest(t, name));

/** What a route value becomes in MapRoute.__call__ (routes.py:42-53). */
type Answer =
  | { kind: 'none' }
  | { kind: 'dict'; opts: RouteOptions }
  | { kind: 'error'; error: string }
  | { kind: 'unknown'; reason: string };

function valueAnswer(v: RouteValue): Answer {
  switch (v.kind) {
    case 'options': return { kind: 'dict', opts: v.options };
    // dict('str') raises ValueError → {'queue': value}
    case 'string': return { kind: 'dict', opts: { queue: v.queue } };
    case 'empty': return { kind: 'dict', opts: {} };
    case 'none': return { kind: 'error', error: "TypeError: 'NoneType' object is not iterable" };
    case 'queue-object': return { kind: 'error', error: "TypeError: 'Queue' object is not iterable" };
    case 'unknown': return { kind: 'unknown', reason: v.reason };
  }
}

/** A route's unknown (as written above) that leaves its queue open: a queue option, a router's answer, or a router
 * read only in part. */
export const QUEUE_LEFT_OPEN = /^(?:task attribute queue|(?:apply_async|send_task) queue|task_routes\[\d+\] queue): |answer is unknown|was only partly read/;

/** Python dict of a route: keys present (a None value counts) → truthiness of the route. */
const presentKeys = (o: RouteOptions): OptKey[] => KEYS.filter((k) => o[k] !== undefined);

function describeOpts(o: RouteOptions): string {
  const parts = presentKeys(o).map((k) => `${pyRepr(k)}: ${fmtVal(o[k] as Opt['value'])}`);
  return `{${parts.join(', ')}}`;
}

// ------------------------------------------------------------------ the router

export interface RouteContext {
  config: RoutingConfig;
  eq: ExpandedQueues;
}

/** `Router.route` (routes.py:66-76) for one send, on the options built by apply_async / send_task. */
export function routeOptions(config: RoutingConfig, req: RouteRequest): RouterOutput {
  const eq = expandQueues(config);
  const steps: string[] = [];
  const unknowns: string[] = [];
  const autoCreated: XQueue[] = [];
  const out = (o: Map<OptKey, Opt>, error: string | null, matched?: RouterOutput['matchedRoute']): RouterOutput => {
    const get = (k: OptKey) => o.get(k);
    const decidedBy: Partial<Record<OptKey, Decider>> = {};
    for (const [k, v] of o) decidedBy[k] = v.by;
    const q = get('queue')?.value;
    return {
      queue: q && typeof q === 'object' ? (q as XQueue) : null,
      exchange: (get('exchange')?.value as string | null | undefined) ?? null,
      routingKey: (get('routing_key')?.value as string | null | undefined) ?? null,
      priority: (get('priority')?.value as number | null | undefined) ?? null,
      exchangeType: (get('exchange_type')?.value as string | null | undefined) ?? null,
      decidedBy,
      matchedRoute: matched,
      error,
      steps,
      unknowns,
      autoCreated,
    };
  };

  // Router() is built (prepare(task_routes)) on the first send: a broken router fails every send.
  const bad = (config.routes ?? []).findIndex((r) => r.kind === 'invalid');
  if (bad >= 0) {
    const r = config.routes![bad] as Extract<RouterSpec, { kind: 'invalid' }>;
    steps.push(`task_routes[${bad}] cannot be prepared by Celery → ${r.error} on every send (routes.py:122-136)`);
    return out(new Map(), r.error);
  }

  // 1. options = dict(preopts, **apply_async options) (task.py:547-548)
  const options = new Map<OptKey, Opt>();
  if (req.via !== 'send_task') {
    const ta = req.taskAttributes ?? {};
    for (const k of ['queue', 'routing_key', 'exchange'] as const) {
      if (ta.unknown?.[k]) unknowns.push(`task attribute ${k}: ${ta.unknown[k]} (computed as if not set)`);
      const v = ta[k];
      if (v !== undefined && v !== null) options.set(k, { value: v, by: { by: 'task-attribute' } });
    }
    if (ta.unknown?.priority) unknowns.push(`task attribute priority: ${ta.unknown.priority} (computed as if not set)`);
    // Task.from_config fills Task.priority from task_default_priority only when the attribute is
    // None (task.py:306-317); preopts carries it — 0 included — so it beats the route.
    if (ta.priority !== undefined && ta.priority !== null) {
      options.set('priority', { value: ta.priority, by: { by: 'task-attribute' } });
    } else if (config.defaultPriority !== null && config.defaultPriority !== undefined) {
      options.set('priority', { value: config.defaultPriority, by: { by: 'task_default_priority' } });
      steps.push(`task_default_priority=${config.defaultPriority} becomes Task.priority (task.py:306-317)`);
    }
  }
  const ao = req.options ?? {};
  for (const k of KEYS) {
    if (ao.unknown?.[k]) unknowns.push(`${req.via} ${k}: ${ao.unknown[k]} (computed as if not passed)`);
    const v = ao[k];
    if (v === undefined) continue;
    const prev = options.get(k);
    // apply_async(x=None) replaces the attribute with None: lpmerge then skips it
    options.set(k, { value: v, by: { by: 'apply_async' } });
    if (prev && prev.value !== v) {
      steps.push(`${req.via} ${k}=${fmtVal(v)} replaces the task attribute ${k}=${fmtVal(prev.value)} (dict(preopts, **options), task.py:548)`);
    }
  }
  for (const [k, v] of [...options]) if (v.value === null && k !== 'queue') options.delete(k); // lpmerge skips None

  // 2. expand_destination(options): pops 'queue' and looks it up (routes.py:78-96)
  const expand = (o: Map<OptKey, Opt>, where: string): string | null => {
    const q = o.get('queue');
    o.delete('queue');
    if (!q || !q.value) return null;
    if (isQueueObj(q.value)) {
      const x = 'display' in q.value ? (q.value as XQueue) : queueObject(q.value as QueueSpec);
      o.set('queue', { value: x, by: q.by });
      steps.push(`${where} passes a Queue object ${pyRepr(x.display)}: used as is, not added to app.amqp.queues (routes.py:88-89)`);
      return null;
    }
    const name = q.value as string;
    let x = lookupQueue(eq, name);
    if (!x) {
      if (!config.createMissingQueues) {
        steps.push(`${where} queue ${pyRepr(name)} is not in task_queues and task_create_missing_queues is off`);
        return queueNotFound(name);
      }
      x = autoCreated.find((a) => a.name === name) ?? newMissingQueue(name);
      if (!autoCreated.includes(x)) autoCreated.push(x);
      steps.push(`queue ${pyRepr(name)} is not in task_queues: task_create_missing_queues creates Queue(${pyRepr(name)}, Exchange(${pyRepr(name)}, 'direct'), ${pyRepr(name)}) (amqp.py:85-88,183-184)`);
    }
    o.set('queue', { value: x, by: q.by });
    return null;
  };
  const err0 = expand(options, req.via);
  if (err0) return out(options, err0);

  // 3. lookup_route: first router answer that is not None (routes.py:98-104)
  let route: { opts: RouteOptions; router: number; entry?: number; loc?: Loc; key?: string } | null = null;
  let stopped = false;
  const routers = config.routes ? compileRouters(config.routes) : [];
  for (let i = 0; i < routers.length && !route && !stopped; i++) {
    const r = routers[i];
    let ans: Answer = { kind: 'none' };
    let entry: number | undefined;
    let key: string | undefined;
    let loc: Loc | undefined = r.loc;
    let desc = `task_routes[${i}]`;
    if (r.kind === 'map') {
      const ex = r.exact.get(req.task);
      if (ex) {
        ans = valueAnswer(ex.value);
        entry = ex.entry;
        key = ex.key;
        loc = ex.loc ?? loc;
        desc = `task_routes[${i}] entry ${pyRepr(ex.key)} (exact name) matched`;
      } else {
        for (const p of r.patterns) {
          if (!p.re) {
            unknowns.push(`task_routes[${i}] pattern ${p.key}: ${p.error}`);
            continue;
          }
          if (p.re.test(req.task)) {
            ans = valueAnswer(p.value);
            entry = p.entry;
            key = p.key;
            loc = p.loc ?? loc;
            desc = `task_routes[${i}] entry ${p.kind === 'glob' ? pyRepr(p.key) : p.key} (${p.kind === 'glob' ? 'glob' : 're.match: prefix match'}) matched`;
            break;
          }
        }
      }
    } else if (r.kind === 'function') {
      const hit = r.rules.findIndex((rule) => ruleMatches(rule, req.task));
      if (hit >= 0) {
        ans = valueAnswer(r.rules[hit].result);
        entry = hit;
        loc = r.rules[hit].loc ?? loc;
        desc = `task_routes[${i}] router ${r.name}: rule ${hit} matched ${pyRepr(req.task)}`;
        if (!r.complete) unknowns.push(`router ${r.name} was only partly read: code before rule ${hit} may answer differently`);
      } else if (!r.complete) {
        ans = { kind: 'unknown', reason: `router ${r.name} could not be fully read` };
      } else {
        ans = r.fallthrough === 'none' ? { kind: 'none' } : valueAnswer(r.fallthrough);
        desc = `task_routes[${i}] router ${r.name}: no rule matched, fallthrough`;
      }
    } else if (r.kind === 'unknown') {
      ans = { kind: 'unknown', reason: r.reason };
    }
    if (ans.kind === 'none') continue;
    if (ans.kind === 'unknown') {
      unknowns.push(`task_routes[${i}]: ${ans.reason} — its answer is unknown; the rest assumes it returns None`);
      steps.push(`task_routes[${i}] answer unknown (assuming None: next router)`);
      continue;
    }
    if (ans.kind === 'error') {
      steps.push(`${desc} → its value cannot be turned into a dict: ${ans.error} (routes.py:42-53)`);
      return out(options, ans.error, { router: i, entry, loc });
    }
    for (const k of Object.keys(ans.opts.unknown ?? {}) as OptKey[]) {
      unknowns.push(`task_routes[${i}] ${k}: ${ans.opts.unknown![k]} (computed as if absent)`);
    }
    if (presentKeys(ans.opts).length === 0) {
      steps.push(`${desc} → an empty route: the router chain stops and the default queue is used (routes.py:70-74)`);
      stopped = true;
      break;
    }
    route = { opts: ans.opts, router: i, entry, loc, key };
    steps.push(`${desc} → ${describeOpts(ans.opts)}`);
  }

  // 4. route truthy → lpmerge(expand_destination(route), options) (routes.py:70-71)
  if (route) {
    const by: Decider = { by: 'route', router: route.router, entry: route.entry, key: route.key, loc: route.loc };
    const r = new Map<OptKey, Opt>();
    for (const k of presentKeys(route.opts)) r.set(k, { value: route.opts[k] as Opt['value'], by });
    const err = expand(r, `task_routes[${route.router}]`);
    if (err) return out(options, err, { router: route.router, entry: route.entry, loc: route.loc });
    for (const [k, v] of options) {
      if (v.value === null) continue;
      const prev = r.get(k);
      if (prev && prev.value !== null && prev.value !== v.value) {
        const who = v.by.by === 'apply_async' ? `${req.via}` : v.by.by === 'task_default_priority' ? 'task_default_priority' : 'task attribute';
        steps.push(`${who} ${k}=${fmtVal(v.value)} overrides the route's ${k}=${fmtVal(prev.value)} (apply_async > task attribute > task_routes > default; lpmerge, collections.py:48-56)`);
      }
      r.set(k, v);
    }
    for (const [k, v] of [...r]) if (v.value === null) r.delete(k);
    if (!r.has('queue')) steps.push('the route names no queue: the default queue is not added by the router (routes.py:70-71)');
    return out(r, null, { router: route.router, entry: route.entry, loc: route.loc });
  }

  // 5. no route and no queue → default queue (routes.py:72-74)
  if (!options.has('queue')) {
    const d = new Map<OptKey, Opt>([['queue', { value: config.defaultQueue, by: { by: 'default', setting: 'task_default_queue' } }]]);
    const err = expand(d, 'task_default_queue');
    if (err) return out(options, err);
    steps.push(`no route: task_default_queue ${pyRepr(config.defaultQueue)} is used`);
    for (const [k, v] of options) d.set(k, v);
    return out(d, null);
  }
  return out(options, null);
}
