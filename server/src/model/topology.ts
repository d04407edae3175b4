/**
 * Evaluated values → the routing engine's input: kombu objects → QueueSpec / ExchangeSpec, task_routes →
 * RouterSpec[], settings → RoutingConfig. Only shapes are translated here; what Celery does with them is
 * the routing module's business.
 */
import type { AppFact, Loc, Value } from './types';
import type { BindingSpec, ExchangeSpec, FunctionRule, NameTest, QueueSpec, RouteKey, RouteOptions, RouterSpec, RouteValue, RoutingConfig } from '../routing/types';
import { resolveSettings, type ResolvedSettings } from '../routing/settings';
import { unpackError } from '../routing/pyutil';
import type { Workspace } from './workspace';
import { toRange, type Expr, type Stmt } from '../parse/ir';
import { show } from './values';

export interface AppConfig {
  config: RoutingConfig;
  settings: ResolvedSettings;
  /** Values that could not be determined, with where and why. */
  unknowns: Array<{ what: string; reason: string; loc?: Loc }>;
}

const num = (v: Value | undefined): number | null => (v?.kind === 'num' ? v.value : null);
const str = (v: Value | undefined): string | null => (v?.kind === 'str' ? v.value : null);

export function buildConfig(ws: Workspace, app: AppFact): AppConfig {
  const settings = resolveSettings(app);
  const unknowns: AppConfig['unknowns'] = [];
  for (const s of app.sources) if (s.unread) unknowns.push({ what: `settings from ${s.name}`, reason: `${s.unread}: computed without them`, loc: s.loc });
  const get = (k: string) => settings.get(k).value;
  const need = (k: string, v: Value): Value => {
    if (v.kind === 'unknown') unknowns.push({ what: k, reason: v.reason, loc: v.loc });
    else if (v.env && !v.env.hasDefault) unknowns.push({ what: k, reason: `from environment variable ${v.env.variable}`, loc: v.loc });
    return v;
  };
  const defaultQueue = str(need('task_default_queue', get('task_default_queue'))) ?? 'celery';
  // Settings.task_default_exchange / _routing_key: first(setting, task_default_queue) (utils.py:115-127)
  const defaultExchange = str(get('task_default_exchange')) ?? defaultQueue;
  const defaultRoutingKey = str(get('task_default_routing_key')) ?? defaultQueue;
  const cm = get('task_create_missing_queues');
  const queuesV = need('task_queues', get('task_queues'));
  const routesV = need('task_routes', get('task_routes'));
  const broker = get('broker_url');
  const transportV = get('broker_transport');
  const config: RoutingConfig = {
    defaultQueue,
    defaultExchange,
    defaultExchangeType: str(get('task_default_exchange_type')) ?? 'direct',
    defaultRoutingKey,
    createMissingQueues: cm.kind === 'bool' ? cm.value : cm.kind === 'none' ? false : true,
    defaultPriority: num(get('task_default_priority')),
    queueMaxPriority: num(get('task_queue_max_priority')),
    queues: queuesV.kind === 'none' ? null : toQueues(queuesV, unknowns),
    routes: routesV.kind === 'none' ? null : toRouters(ws, routesV, unknowns),
    transport: transportOf(str(transportV) ?? str(broker)),
    defaultQueueType: str(get('task_default_queue_type')) ?? undefined,
    delayedDeliveryQueueType: str(get('broker_native_delayed_delivery_queue_type')) ?? undefined,
    publishRetry: (() => { const v = get('task_publish_retry'); return v.kind === 'bool' ? v.value : v.kind === 'none' ? false : undefined; })(),
    configError: settings.error?.message,
  };
  return { config, settings, unknowns };
}

export function transportOf(url: string | null): string {
  if (!url) return 'amqp';
  const scheme = url.split('://')[0].split('+')[0].toLowerCase();
  if (['amqp', 'amqps', 'pyamqp', 'librabbitmq'].includes(scheme)) return 'amqp';
  if (['redis', 'rediss', 'sentinel'].includes(scheme)) return 'redis';
  if (scheme === 'sqs') return 'sqs';
  if (scheme === 'memory') return 'memory';
  return scheme || 'unknown';
}

// ------------------------------------------------------------ kombu objects

function kw(v: Extract<Value, { kind: 'kombu' }>, name: string, pos: number): Value | undefined {
  return v.kwargs[name] ?? v.args[pos];
}

function plain(v: Value | undefined): unknown {
  if (!v) return undefined;
  switch (v.kind) {
    case 'str': case 'num': case 'bool': return v.value;
    case 'none': return null;
    case 'list': case 'tuple': case 'set': return v.items.map(plain);
    case 'dict': return Object.fromEntries(v.entries.map((e) => [String(plain(e.key)), plain(e.value)]));
    default: return undefined;
  }
}

function dictOf(v: Value | undefined): Record<string, unknown> | undefined {
  const p = plain(v);
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

export function toExchange(v: Value | undefined): ExchangeSpec | null {
  if (!v || v.kind === 'none') return null;
  if (v.kind === 'str') return { name: v.value, type: 'direct', loc: v.loc };
  if (v.kind !== 'kombu' || v.type !== 'Exchange') return null;
  const type = str(kw(v, 'type', 1));
  return {
    name: str(kw(v, 'name', 0)) ?? '',
    type: type || 'direct', // kombu: type '' / None → 'direct' (entity.py:136,157)
    durable: (plain(v.kwargs['durable']) as boolean | undefined) ?? true,
    autoDelete: (plain(v.kwargs['auto_delete']) as boolean | undefined) ?? false,
    arguments: dictOf(v.kwargs['arguments']),
    loc: v.loc,
  };
}

function toBinding(v: Value): BindingSpec | undefined {
  if (v.kind !== 'kombu' || v.type !== 'binding') return undefined;
  return { exchange: toExchange(kw(v, 'exchange', 0)), routingKey: str(kw(v, 'routing_key', 1)) ?? '', arguments: dictOf(kw(v, 'arguments', 2)), loc: v.loc };
}

export function toQueue(v: Value, unknowns?: AppConfig['unknowns']): QueueSpec | undefined {
  if (v.kind !== 'kombu') return undefined;
  if (v.type === 'Broadcast') {
    const name = str(kw(v, 'name', 0)) ?? '';
    const alias = str(v.kwargs['alias']) ?? name;
    const q = str(v.kwargs['queue']);
    return {
      name: q ?? `bcast.${alias}`, alias, broadcast: true,
      exchange: toExchange(v.kwargs['exchange']) ?? { name, type: 'fanout', autoDelete: true },
      routingKey: str(v.kwargs['routing_key']), bindings: [], autoDelete: true, loc: v.loc,
    };
  }
  if (v.type !== 'Queue') return undefined;
  const nameV = kw(v, 'name', 0);
  if (nameV && nameV.kind !== 'str') unknowns?.push({ what: 'queue name', reason: nameV.kind === 'unknown' ? nameV.reason : `not a string (${nameV.kind})`, loc: nameV.loc ?? v.loc });
  const bindingsV = v.kwargs['bindings'];
  const bindings = bindingsV && (bindingsV.kind === 'list' || bindingsV.kind === 'tuple' || bindingsV.kind === 'set') ? bindingsV.items.map(toBinding).filter((b): b is BindingSpec => !!b) : [];
  const qa = dictOf(v.kwargs['queue_arguments']);
  const mp = v.kwargs['max_priority'];
  return {
    name: str(nameV) ?? '',
    exchange: toExchange(kw(v, 'exchange', 1)),
    routingKey: str(kw(v, 'routing_key', 2)),
    bindings,
    queueArguments: qa,
    bindingArguments: dictOf(v.kwargs['binding_arguments']),
    maxPriority: mp ? num(mp) : null,
    durable: (plain(v.kwargs['durable']) as boolean | undefined) ?? true,
    autoDelete: (plain(v.kwargs['auto_delete']) as boolean | undefined) ?? false,
    noDeclare: (plain(v.kwargs['no_declare']) as boolean | undefined) ?? false,
    loc: v.loc,
  };
}

function toQueues(v: Value, unknowns: AppConfig['unknowns']): QueueSpec[] | null {
  if (v.kind === 'unknown') return null;
  const out: QueueSpec[] = [];
  if (v.kind === 'dict') {
    for (const e of v.entries) {
      const q = toQueue(e.value, unknowns);
      if (q) { out.push(q); continue; }
      if (e.value.kind === 'dict' && e.key.kind === 'str') {
        // Dict form: {'name': {'exchange': ..., 'exchange_type': ..., 'routing_key': ...}} → Queue.from_dict
        const o = e.value;
        const get = (k: string) => o.entries.find((x) => x.key.kind === 'str' && x.key.value === k)?.value;
        const ex = get('exchange');
        out.push({
          name: e.key.value, fromDict: true,
          exchange: ex ? (ex.kind === 'kombu' ? toExchange(ex) : { name: str(ex) ?? '', type: str(get('exchange_type')) || 'direct' }) : null,
          routingKey: str(get('routing_key')) ?? str(get('binding_key')),
          bindings: [], queueArguments: dictOf(get('queue_arguments')), loc: e.key.loc,
        });
      }
    }
    return out;
  }
  if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') {
    for (const item of v.items) {
      const q = toQueue(item, unknowns);
      if (q) out.push(q);
      else unknowns.push({ what: 'task_queues entry', reason: item.kind === 'unknown' ? item.reason : `not a kombu Queue (${show(item)})`, loc: item.loc });
    }
    return out;
  }
  unknowns.push({ what: 'task_queues', reason: `not a list or dict of queues (${show(v)})`, loc: v.loc });
  return null;
}

// ------------------------------------------------------------ routes

export function toRouteValue(v: Value): RouteValue {
  const loc = v.loc;
  if (v.kind === 'none') return { kind: 'none', loc };
  if (v.kind === 'str') return v.value === '' ? { kind: 'empty', loc } : { kind: 'string', queue: v.value, loc };
  if (v.kind === 'kombu') { const q = toQueue(v); return q ? { kind: 'queue-object', queue: q, loc } : { kind: 'unknown', reason: `a kombu ${v.type} is not a route`, loc }; }
  if (v.kind === 'dict') {
    if (!v.entries.length) return { kind: 'empty', loc };
    return { kind: 'options', options: toOptions(v), loc };
  }
  if (v.kind === 'unknown') return { kind: 'unknown', reason: v.reason, loc };
  return { kind: 'unknown', reason: `route value ${show(v)} is not a dict or a queue name`, loc };
}

/** A dict of routing options (route value or `options=`). */
export function toOptions(v: Extract<Value, { kind: 'dict' }>): RouteOptions {
  const o: RouteOptions = {};
  for (const e of v.entries) {
    if (e.key.kind !== 'str') continue;
    const k = e.key.value as keyof RouteOptions;
    setOption(o, k, e.value);
  }
  return o;
}

export function setOption(o: RouteOptions, k: string, val: Value): void {
  if (!['queue', 'exchange', 'routing_key', 'priority', 'exchange_type', 'countdown', 'eta'].includes(k)) return;
  const key = k as 'queue' | 'exchange' | 'routing_key' | 'priority' | 'exchange_type' | 'countdown' | 'eta';
  if (val.kind === 'unknown' || (val.env && !val.env.hasDefault)) {
    o.unknown = { ...o.unknown, [key]: val.kind === 'unknown' ? val.reason : `environment variable ${val.env!.variable}` };
    return;
  }
  if (val.kind === 'none') { (o as Record<string, unknown>)[key] = null; return; }
  if (key === 'priority') { o.priority = val.kind === 'num' ? val.value : null; return; }
  if (key === 'countdown') { if (val.kind === 'num') o.countdown = val.value; else o.unknown = { ...o.unknown, countdown: 'not a number' }; return; }
  if (key === 'eta' && val.kind !== 'str') { o.unknown = { ...o.unknown, eta: 'computed at run time (datetime)' }; return; }
  if (key === 'queue' && val.kind === 'kombu') { o.queue = toQueue(val) ?? null; return; }
  if (key === 'exchange' && val.kind === 'kombu') { o.exchange = toExchange(val)?.name ?? null; return; }
  if (val.kind === 'str') (o as Record<string, unknown>)[key] = val.value;
}

function routeKey(k: Value): RouteKey | undefined {
  if (k.kind === 'regex') return { kind: 'regex', pattern: k.pattern };
  if (k.kind !== 'str') return undefined;
  // Only keys with '*' are globs (routes.py:26-53); '?' and '[..]' alone make an exact name.
  if (k.value.includes('*')) return { kind: 'glob', glob: k.value };
  return { kind: 'exact', name: k.value };
}

function mapRouter(v: Value): RouterSpec {
  const entries: Extract<RouterSpec, { kind: 'map' }>['entries'] = [];
  const pairs: Array<{ k: Value; v: Value }> = [];
  if (v.kind === 'dict') pairs.push(...v.entries.map((e) => ({ k: e.key, v: e.value })));
  else if (v.kind === 'list' || v.kind === 'tuple') {
    for (const item of v.items) {
      // MapRoute iterates `for k, v in map`: each item must unpack into two.
      const parts = item.kind === 'list' || item.kind === 'tuple' ? item.items : item.kind === 'str' ? [...item.value] : item.kind === 'dict' ? item.entries : undefined;
      if (!parts) return { kind: 'unknown', reason: `routes item ${show(item)}`, loc: item.loc };
      if (parts.length !== 2) {
        return { kind: 'invalid', error: unpackError(parts.length), loc: item.loc ?? v.loc };
      }
      if (item.kind === 'list' || item.kind === 'tuple') pairs.push({ k: item.items[0], v: item.items[1] });
      else return { kind: 'unknown', reason: `routes item ${show(item)} unpacks into characters`, loc: item.loc };
    }
  }
  for (const p of pairs) {
    const key = routeKey(p.k);
    if (!key) { entries.push({ key: { kind: 'exact', name: show(p.k) }, value: { kind: 'unknown', reason: `route key ${show(p.k)} is not known`, loc: p.k.loc }, loc: p.k.loc }); continue; }
    entries.push({ key, value: toRouteValue(p.v), loc: p.k.loc });
  }
  return { kind: 'map', entries, loc: v.loc };
}

function toRouters(ws: Workspace, v: Value, unknowns: AppConfig['unknowns']): RouterSpec[] | null {
  if (v.kind === 'unknown') { unknowns.push({ what: 'task_routes', reason: v.reason, loc: v.loc }); return [{ kind: 'unknown', reason: v.reason, loc: v.loc }]; }
  // prepare(): a list/tuple is a list of routers; anything else is one router (routes.py:122-136).
  const items = v.kind === 'list' || v.kind === 'tuple' ? v.items : [v];
  return items.map((r) => {
    if (r.kind === 'dict' || r.kind === 'list' || r.kind === 'tuple') return mapRouter(r);
    if (r.kind === 'str') return stringRouter(ws, r.value, r.loc);
    if (r.kind === 'ref' && (r.ref.kind === 'function' || r.ref.kind === 'class')) return functionRouter(ws, r.ref.module, r.ref.name, r.loc);
    if (r.kind === 'none') return { kind: 'map', entries: [], loc: r.loc };
    const reason = r.kind === 'unknown' ? r.reason : `router ${show(r)} cannot be read`;
    unknowns.push({ what: 'router', reason, loc: r.loc });
    return { kind: 'unknown', reason, loc: r.loc };
  });
}

function stringRouter(ws: Workspace, path: string, loc?: Loc): RouterSpec {
  const [mod, name] = path.includes(':') ? path.split(':', 2) : [path.slice(0, path.lastIndexOf('.')), path.slice(path.lastIndexOf('.') + 1)];
  const src = ws.findModule(mod);
  if (!src) return { kind: 'unknown', reason: `router '${path}': module ${mod} is not in the workspace`, loc };
  return functionRouter(ws, src.module, name, loc);
}

/** Read a router function (or a class with route_for_task) statically: `if name == ...: return {...}`. */
function functionRouter(ws: Workspace, module: string, name: string, loc?: Loc): RouterSpec {
  const res = ws.eval.module(module);
  const src = ws.getModule(module);
  if (!res || !src) return { kind: 'unknown', reason: `router ${module}.${name} not found`, loc };
  let fn = res.functions.get(name);
  let nameParam = 0;
  const cls = res.classes.get(name);
  if (!fn && cls) {
    const m = cls.stmt.body.find((s): s is Extract<Stmt, { s: 'def' }> => s.s === 'def' && s.name === 'route_for_task');
    if (!m) return { kind: 'unknown', reason: `router class ${name} has no route_for_task method`, loc };
    fn = m;
    nameParam = 1; // self, task, args, kwargs
  }
  if (!fn) return { kind: 'unknown', reason: `router ${module}.${name} is not a function or class defined at top level`, loc };
  const param = fn.params[nameParam] ?? 'name';
  const defLoc: Loc = { file: src.file, range: toRange(fn.nameR) };
  const rules: FunctionRule[] = [];
  let complete = true;
  const evalIn = (e: Expr) => ws.eval.eval(src, e, res.env);
  const walk = (body: Stmt[], tests: NameTest[]): RouteValue | 'none' | undefined => {
    for (const st of body) {
      if (st.s === 'return') {
        const v = st.e ? toRouteValue(evalIn(st.e)) : ({ kind: 'none' } as RouteValue);
        return v.kind === 'none' ? 'none' : v;
      }
      if (st.s === 'if') {
        const t = nameTest(st.test, param, evalIn);
        if (!t) { complete = false; continue; }
        const inner = walk(st.body, [...tests, t]);
        if (inner !== undefined) rules.push({ tests: [...tests, t], result: inner === 'none' ? { kind: 'none' } : inner, loc: { file: src.file, range: toRange(st.r) } });
        const other = walk(st.orelse, tests);
        if (other !== undefined) return other;
        continue;
      }
      if (st.s === 'assign' || st.s === 'expr') { complete = false; continue; }
    }
    return undefined;
  };
  const fall = walk(fn.body, []);
  return { kind: 'function', name: `${module}.${name}`, rules, fallthrough: fall ?? 'none', complete, loc: loc ?? defLoc };
}

function nameTest(e: Expr, param: string, evalIn: (e: Expr) => Value): NameTest | undefined {
  const isName = (x: Expr) => x.t === 'name' && x.id === param;
  if (e.t === 'compare' && e.op === '==' && isName(e.l)) { const v = evalIn(e.rgt); return v.kind === 'str' ? { kind: 'equals', value: v.value } : undefined; }
  if (e.t === 'compare' && e.op === 'in' && isName(e.l)) {
    const v = evalIn(e.rgt);
    if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') return { kind: 'in', values: v.items.flatMap((i) => (i.kind === 'str' ? [i.value] : [])) };
    if (v.kind === 'dict') return { kind: 'in', values: v.entries.flatMap((i) => (i.key.kind === 'str' ? [i.key.value] : [])) };
    return undefined;
  }
  if (e.t === 'compare' && e.op === 'in' && isName(e.rgt)) { const v = evalIn(e.l); return v.kind === 'str' ? { kind: 'contains', value: v.value } : undefined; }
  if (e.t === 'call' && e.fn.t === 'attr' && isName(e.fn.obj) && (e.fn.name === 'startswith' || e.fn.name === 'endswith') && e.args[0]) {
    const v = evalIn(e.args[0]);
    if (v.kind === 'str') return { kind: e.fn.name, value: v.value };
    return undefined;
  }
  return undefined;
}

