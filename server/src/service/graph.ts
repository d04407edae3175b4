/**
 * The routing topology as a graph: task → route rule → exchange → binding → queue → worker. The single
 * source of the picture: the CLI (`graph --format mermaid|dot|json|svg|html`), `celery/topology`'s Mermaid
 * text and the editor's routing map (`celery/graph`, laid out and drawn by graph-render.ts) all start here.
 */
import type { Project, Route } from './project';
import { queueReport } from './queues';
import { analysis, type BindingRow } from './analysis';
import { topicMatch } from '../routing';
import type { RouteKey, RouterSpec } from '../routing/types';
import type { Loc, WorkerFact } from '../model/types';
import { basename } from 'node:path';

export type NodeKind = 'task' | 'route' | 'exchange' | 'binding' | 'queue' | 'worker';
export type NodeProblem = 'unreachable' | 'dropped' | 'error' | 'unknown';
export interface GraphNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** A second, smaller line: the published routing key of a task, an exchange's type, a rule's router… */
  sub?: string;
  problem?: NodeProblem;
  loc?: Loc;
  /** Why the node has its problem, or what it is (tooltip / details). */
  detail?: string;
}
export interface GraphEdge { from: string; to: string; label?: string }
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /**
   * Per task node id, the nodes its message goes through: route rule, exchange, bindings, queues, consuming
   * workers. Exchanges are shared, so following edges from a task overshoots; the map's filter uses these.
   */
  flows?: Record<string, string[]>;
}

/** The problem of a task's route (the same rule as `celery/tasks`). */
export function routeProblem(r: Route, hasWorkers: boolean): NodeProblem | undefined {
  return r.error ? 'error' : r.brokerError || r.dropped ? 'dropped' : r.unknowns.length ? 'unknown' : r.deliveredTo.length && !r.consumers.length && hasWorkers ? 'unreachable' : undefined;
}

function routeProblemDetail(r: Route, problem: NodeProblem | undefined): string | undefined {
  switch (problem) {
    case 'error': return r.error ?? undefined;
    case 'dropped': return r.brokerError ?? `no queue is bound to exchange '${r.exchange ?? ''}' for routing key '${r.routingKey ?? ''}': RabbitMQ drops the message`;
    case 'unknown': return r.unknowns.join('; ');
    case 'unreachable': return `lands in ${r.deliveredTo.join(', ')}, which no known worker consumes`;
    default: return undefined;
  }
}

const keyText = (k: RouteKey) => (k.kind === 'exact' ? k.name : k.kind === 'glob' ? k.glob : `/${k.pattern}/`);

/** The route rule node of a matched route: a `task_routes` entry, or a router function. */
function ruleNode(routers: RouterSpec[], m: NonNullable<Route['matchedRoute']>): GraphNode {
  const r = routers[m.router];
  const where = routers.length > 1 ? `task_routes[${m.router}]` : 'task_routes';
  const id = `route:${m.router}:${m.entry ?? '-'}`;
  if (r?.kind === 'map' && m.entry !== undefined && r.entries[m.entry]) {
    const e = r.entries[m.entry];
    return { id, kind: 'route', label: keyText(e.key), sub: where, loc: m.loc ?? e.loc ?? r.loc, detail: `route rule ${keyText(e.key)} of ${where}` };
  }
  if (r?.kind === 'function') return { id, kind: 'route', label: `${r.name}()`, sub: m.entry !== undefined ? `rule ${m.entry + 1}` : where, loc: m.loc ?? r.loc, detail: `router ${r.name} of ${where}` };
  return { id, kind: 'route', label: where, sub: m.entry !== undefined ? `entry ${m.entry + 1}` : undefined, loc: m.loc ?? r?.loc };
}

/** Does a declared binding take a message published on `exchange` with `key`? (headers: assumed.) */
function bindingTakes(b: BindingRow, exchange: string, key: string | null): boolean {
  if (b.exchange !== exchange) return false;
  if (b.implicit) return exchange === '' && b.key === key;
  if (b.exchangeType === 'fanout' || b.exchangeType === 'headers') return true;
  if (key === null) return false;
  return b.exchangeType === 'topic' ? topicMatch(b.key, key) : b.key === key;
}

const bindingLabel = (b: { exchangeType: string; key: string; implicit?: boolean }) =>
  b.exchangeType === 'fanout' ? '(fanout)' : b.exchangeType === 'headers' ? '(headers)' : b.key === '' ? "''" : b.key;

export function buildGraph(p: Project): Graph {
  const a = analysis(p);
  const routers = a.app?.config.routes ?? [];
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const flows: Record<string, string[]> = {};
  const seen = new Set<string>();
  const add = (n: GraphNode) => { if (!nodes.has(n.id)) nodes.set(n.id, n); return n.id; };
  const edge = (e: GraphEdge) => {
    const k = `${e.from}\n${e.to}\n${e.label ?? ''}`;
    if (!seen.has(k)) { seen.add(k); edges.push(e); }
  };
  const exchangeNode = (name: string, type?: string) => {
    const row = a.exchanges.get(name);
    return add({ id: `exchange:${name}`, kind: 'exchange', label: name || "'' (default)", sub: row?.type ?? type ?? (name === '' ? 'direct' : undefined), loc: row?.loc });
  };
  const queueNode = (name: string) => add({ id: `queue:${name}`, kind: 'queue', label: name });
  const bindingNode = (b: { exchange: string; exchangeType: string; key: string; implicit?: boolean; queue: string }, detail?: string) => {
    const id = `binding:${b.exchange}|${b.key}|${b.queue}`;
    if (!nodes.has(id)) {
      add({
        id, kind: 'binding', label: bindingLabel(b), sub: b.implicit ? 'implicit' : undefined,
        detail: detail ?? (b.implicit ? `the default exchange's implicit binding of queue ${b.queue}` : `binding of queue ${b.queue} to exchange '${b.exchange}' (${b.exchangeType}) with key '${b.key}'`),
      });
      edge({ from: exchangeNode(b.exchange, b.exchangeType), to: id });
      edge({ from: id, to: queueNode(b.queue) });
    }
    return id;
  };

  // What messages do: task → (route rule) → exchange → binding → queue.
  for (const t of p.tasks) {
    const r = a.taskRoutes.get(t.name) ?? p.route({ task: t.name });
    const problem = routeProblem(r, p.workers.length > 0);
    const sub = r.error ? 'raises at send time' : r.exchange !== null ? `key ${r.routingKey ?? '(none)'}` : undefined;
    const tid = add({ id: `task:${t.name}`, kind: 'task', label: t.name, sub, loc: t.loc, problem, detail: routeProblemDetail(r, problem) });
    const flow = (flows[tid] = [tid]);
    let from = tid;
    if (r.matchedRoute) {
      const rid = add(ruleNode(routers, r.matchedRoute));
      edge({ from: tid, to: rid });
      flow.push(rid);
      from = rid;
    }
    if (r.error || r.exchange === null) continue;
    const ex = exchangeNode(r.exchange, r.publish?.exchangeType);
    edge({ from, to: ex, label: r.routingKey ?? undefined });
    flow.push(ex);
    for (const q of r.deliveredTo) {
      const b = a.bindings.find((x) => x.queue === q && bindingTakes(x, r.exchange!, r.routingKey));
      if (b) flow.push(bindingNode(b), `queue:${q}`);
      else {
        flow.push(bindingNode(
          { exchange: r.exchange, exchangeType: r.publish?.exchangeType ?? 'direct', key: r.routingKey ?? q, queue: q },
          `declared by Celery at first send (task_create_missing_queues): queue ${q} bound to '${r.exchange}'`,
        ), `queue:${q}`);
      }
    }
  }

  // The declared topology, used or not: exchange → binding → queue.
  for (const b of a.bindings) if (!b.implicit) bindingNode(b);

  // One node per worker command: two commands with the same name (three compose files' `celery_worker`) are two
  // nodes, the later ones told apart by where they are.
  const workerIds = new Map<WorkerFact, string>();
  const usedNames = new Set<string>();
  for (const w of p.workers) {
    const where = `${basename(w.loc.file)}:${w.loc.range.start.line + 1}`;
    workerIds.set(w, usedNames.has(w.name) ? `worker:${w.name} (${where})` : `worker:${w.name}`);
    usedNames.add(w.name);
  }
  const workerNode = (w: WorkerFact) => {
    const id = workerIds.get(w) ?? `worker:${w.name}`;
    const sub = [w.queues ? undefined : 'default queues', id === `worker:${w.name}` ? undefined : basename(w.loc.file)].filter(Boolean).join(' · ') || undefined;
    return add({ id, kind: 'worker', label: w.name, loc: w.loc, sub });
  };

  // Queues (declarations, problems) → workers.
  for (const q of queueReport(p)) {
    const n = nodes.get(queueNode(q.name))!;
    n.loc ??= q.loc;
    n.sub ??= q.declared ? undefined : 'auto-created';
    if (!q.consumers.length && p.workers.length && q.routedFrom.length) {
      n.problem = 'unreachable';
      n.detail = `routed to by ${q.routedFrom.join(', ')} but consumed by no known worker`;
    }
    for (const c of a.consumers(q.name)) edge({ from: n.id, to: workerNode(c.worker) });
  }
  // A queue only a worker's -Q names (nothing routes there, or the app is not in the workspace) is still what
  // that worker consumes: drawn, with its edge.
  for (const w of p.workers) {
    const id = workerNode(w);
    for (const q of w.queues ?? []) {
      const qid = `queue:${q}`;
      if (!nodes.has(qid)) nodes.get(queueNode(q))!.sub = 'named only by a worker';
      edge({ from: qid, to: id });
    }
  }
  // Flows end at the workers consuming their queues (as drawn: the queue → worker edges).
  for (const flow of Object.values(flows)) {
    for (const id of flow) if (id.startsWith('queue:')) for (const e of edges) if (e.from === id && !flow.includes(e.to)) flow.push(e.to);
  }
  return { nodes: [...nodes.values()], edges, flows };
}

const safeId = (id: string) => 'n' + id.replace(/[^A-Za-z0-9_]/g, '_');
const esc = (s: string) => s.replace(/"/g, '#quot;');

export function graphToMermaid(g: Graph): string {
  const shape: Record<NodeKind, [string, string]> = { task: ['([', '])'], route: ['[[', ']]'], exchange: ['{{', '}}'], binding: ['>', ']'], queue: ['[(', ')]'], worker: ['[/', '/]'] };
  const ids = new Map<string, string>();
  const idOf = (id: string) => {
    let s = ids.get(id);
    if (!s) {
      s = safeId(id);
      const base = s;
      for (let i = 2; [...ids.values()].includes(s); i++) s = `${base}_${i}`;
      ids.set(id, s);
    }
    return s;
  };
  const lines = ['flowchart LR'];
  for (const n of g.nodes) lines.push(`  ${idOf(n.id)}${shape[n.kind][0]}"${esc(n.label)}${n.problem ? ` ⚠ ${n.problem}` : ''}"${shape[n.kind][1]}`);
  for (const e of g.edges) lines.push(`  ${idOf(e.from)} -->${e.label ? `|"${esc(e.label)}"|` : ''} ${idOf(e.to)}`);
  return lines.join('\n');
}

export function graphToDot(g: Graph): string {
  const shape: Record<NodeKind, string> = { task: 'box', route: 'note', exchange: 'diamond', binding: 'plaintext', queue: 'cylinder', worker: 'component' };
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph celery_routing {', '  rankdir=LR;'];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}, shape=${shape[n.kind]}${n.problem ? ', color=red' : ''}];`);
  for (const e of g.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.label ? ` [label=${q(e.label)}]` : ''};`);
  lines.push('}');
  return lines.join('\n');
}
