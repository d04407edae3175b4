/**
 * What editor features ask about the project, computed once per analysis (the Project rebuilds its state
 * after each file update; we key our cache on that state, so every answer is from the same snapshot).
 */
import type { Project, Route, ResolvedApp } from './project';
import type { CallFact, Loc, TaskFact } from '../model/types';
import type { MapRouteEntry } from '../routing/types';
import { keyMatches } from './routekeys';
export { keyMatches };
import { expandQueues, declaredBindings, consumersOf, topicMatch, type XQueue, type Consumer, type ExpandedQueues } from '../routing';
import { computeDiagnostics, type RoutingDiagnostic } from './diagnostics';

export interface RouteEntryRef { router: number; entry: number; e: MapRouteEntry }
export interface BindingRow { queue: string; exchange: string; exchangeType: string; key: string; implicit?: boolean }
export interface ExchangeRow { name: string; type: string; loc?: Loc; queues: string[] }

export interface Analysis {
  app?: ResolvedApp;
  queues?: ExpandedQueues;
  taskRoutes: Map<string, Route>;
  callRoutes: Map<CallFact, Route>;
  entries: RouteEntryRef[];
  bindings: BindingRow[];
  exchanges: Map<string, ExchangeRow>;
  /** Every queue name the project knows: declared, routed to, consumed. */
  queueNames: string[];
  /** Indexes (built once per analysis, so hovers and completion items stay O(1) per queue / route). */
  tasksByQueue: Map<string, string[]>;
  callsByQueue: Map<string, CallFact[]>;
  /** `router:entry` → tasks that route entry decides. */
  decidedBy: Map<string, TaskFact[]>;
  consumers(queue: string): Consumer[];
  diagnostics(): RoutingDiagnostic[];
}

const cache = new WeakMap<object, Analysis>();

export function analysis(p: Project): Analysis {
  const key = p.apps; // a new array after every update
  const hit = cache.get(key);
  if (hit) return hit;
  const app = p.appFor();
  const queues = app ? expandQueues(app.config) : undefined;
  const taskRoutes = new Map<string, Route>();
  const callRoutes = new Map<CallFact, Route>();
  const entries: RouteEntryRef[] = [];
  (app?.config.routes ?? []).forEach((r, router) => {
    if (r.kind === 'map') r.entries.forEach((e, entry) => entries.push({ router, entry, e }));
  });
  const bindings: BindingRow[] = [];
  const exchanges = new Map<string, ExchangeRow>();
  for (const q of queues?.list ?? []) {
    for (const b of declaredBindings(q)) {
      bindings.push({ queue: q.display, exchange: b.exchange, exchangeType: b.exchangeType, key: b.routingKey, implicit: b.implicit });
      if (b.implicit) continue;
      const row = exchanges.get(b.exchange) ?? { name: b.exchange, type: b.exchangeType, queues: [] };
      if (!row.queues.includes(q.display)) row.queues.push(q.display);
      row.loc ??= exchangeLoc(q, b.exchange);
      exchanges.set(b.exchange, row);
    }
  }
  let diags: RoutingDiagnostic[] | undefined;
  const consumerMemo = new Map<string, Consumer[]>();
  const tasksByQueue = new Map<string, string[]>();
  const callsByQueue = new Map<string, CallFact[]>();
  const decidedBy = new Map<string, TaskFact[]>();
  const a: Analysis = {
    app, queues, taskRoutes, callRoutes, entries, bindings, exchanges, queueNames: [], tasksByQueue, callsByQueue, decidedBy,
    consumers: (q) => {
      let c = consumerMemo.get(q);
      if (!c) consumerMemo.set(q, (c = app ? consumersOf(q, p.workers, app.config, p.workerConfig) : []));
      return c;
    },
    diagnostics: () => (diags ??= computeDiagnostics(p, { tasks: taskRoutes, calls: callRoutes })),
  };
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => { const l = m.get(k); if (l) l.push(v); else m.set(k, [v]); };
  const names = new Set<string>((queues?.list ?? []).map((q) => q.display));
  for (const t of p.tasks) {
    const r = p.route({ task: t.name });
    taskRoutes.set(t.name, r);
    if (r.queue) names.add(r.queue);
    for (const q of r.deliveredTo.length ? r.deliveredTo : r.queue ? [r.queue] : []) push(tasksByQueue, q, t.name);
    if (r.matchedRoute) push(decidedBy, `${r.matchedRoute.router}:${r.matchedRoute.entry}`, t);
  }
  for (const c of p.calls) {
    const r = p.routeCall(c);
    if (!r) continue;
    callRoutes.set(c, r);
    if (r.queue) names.add(r.queue);
    for (const q of r.deliveredTo) push(callsByQueue, q, c);
  }
  for (const w of p.workers) for (const q of w.queues ?? []) if (!q.startsWith('$')) names.add(q);
  a.queueNames = [...names];
  cache.set(key, a);
  return a;
}

function exchangeLoc(q: XQueue, name: string): Loc | undefined {
  if (q.exchange?.name === name && q.exchange.loc) return q.exchange.loc;
  return q.bindings.find((b) => b.exchange?.name === name)?.exchange?.loc ?? undefined;
}


/** Tasks a route entry catches, and which of them it actually decides (not caught earlier). */
export function entryCatches(p: Project, ref: RouteEntryRef): { matches: TaskFact[]; decides: TaskFact[] } {
  const a = analysis(p);
  const k = ref.e.key;
  const exact = k.kind === 'exact' ? p.task(k.name) : undefined;
  const matches = k.kind === 'exact' ? (exact ? [exact] : []) : p.tasks.filter((t) => keyMatches(k, t.name));
  return { matches, decides: a.decidedBy.get(`${ref.router}:${ref.entry}`) ?? [] };
}

/** The declared queue object for a name (alias or name). */
export function queueByName(a: Analysis, name: string): XQueue | undefined {
  return a.queues?.aliases.get(name) ?? a.queues?.byName.get(name);
}

export interface QueueFacts {
  name: string;
  declared?: XQueue;
  consumers: Consumer[];
  /** Tasks whose route (no options) lands in the queue; call sites that do. */
  tasks: string[];
  calls: CallFact[];
  /** Route entries whose value names the queue. */
  routes: RouteEntryRef[];
  bindings: BindingRow[];
}

export function queueFacts(p: Project, name: string): QueueFacts {
  const a = analysis(p);
  const routes = a.entries.filter(({ e }) => (e.value.kind === 'string' && e.value.queue === name) || (e.value.kind === 'options' && e.value.options.queue === name));
  return {
    name, declared: queueByName(a, name), tasks: a.tasksByQueue.get(name) ?? [], calls: a.callsByQueue.get(name) ?? [], routes,
    consumers: a.consumers(name),
    bindings: a.bindings.filter((b) => b.queue === name),
  };
}

/** Queues that receive a message published with this key (on the given exchange, or any). */
export function queuesForKey(a: Analysis, key: string, exchange?: string): BindingRow[] {
  return a.bindings.filter((b) => {
    if (b.implicit) return exchange === '' && b.key === key;
    if (exchange !== undefined && b.exchange !== exchange) return false;
    if (b.exchangeType === 'topic') return topicMatch(b.key, key);
    if (b.exchangeType === 'fanout') return exchange !== undefined;
    if (b.exchangeType === 'headers') return false;
    return b.key === key;
  });
}

/** Which loc of a list is the one under a position (same file). */
export function contains(loc: Loc, file: string, pos: { line: number; character: number }): boolean {
  if (loc.file !== file) return false;
  const { start, end } = loc.range;
  if (pos.line < start.line || pos.line > end.line) return false;
  if (pos.line === start.line && pos.character < start.character) return false;
  if (pos.line === end.line && pos.character > end.character) return false;
  return true;
}
