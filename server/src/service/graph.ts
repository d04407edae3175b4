/** The routing topology as a graph: task → exchange → queue → worker. Shared by the CLI and the routing map. */
import type { Project } from './project';
import { queueReport } from './queues';
import type { Loc } from '../model/types';

export type NodeKind = 'task' | 'exchange' | 'queue' | 'worker';
export interface GraphNode { id: string; kind: NodeKind; label: string; problem?: 'unreachable' | 'dropped' | 'error' | 'unknown'; loc?: Loc; detail?: string }
export interface GraphEdge { from: string; to: string; label?: string }
export interface Graph { nodes: GraphNode[]; edges: GraphEdge[] }

export function buildGraph(p: Project): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (n: GraphNode) => { if (!nodes.has(n.id)) nodes.set(n.id, n); return n.id; };
  const edge = (e: GraphEdge) => { if (!edges.some((x) => x.from === e.from && x.to === e.to && x.label === e.label)) edges.push(e); };
  for (const t of p.tasks) {
    const r = p.route({ task: t.name });
    const problem = r.error ? 'error' : r.brokerError || r.dropped ? 'dropped' : r.unknowns.length ? 'unknown' : r.deliveredTo.length && !r.consumers.length && p.workers.length ? 'unreachable' : undefined;
    const tid = add({ id: `task:${t.name}`, kind: 'task', label: t.name, loc: t.loc, problem, detail: r.error ?? r.brokerError ?? undefined });
    if (r.error) continue;
    const ex = add({ id: `exchange:${r.exchange ?? ''}`, kind: 'exchange', label: r.exchange ? r.exchange : "'' (default)" });
    edge({ from: tid, to: ex, label: r.routingKey ?? undefined });
    for (const q of r.deliveredTo) edge({ from: ex, to: add({ id: `queue:${q}`, kind: 'queue', label: q }), label: r.exchange ? r.routingKey ?? undefined : undefined });
  }
  for (const q of queueReport(p)) {
    const qid = add({ id: `queue:${q.name}`, kind: 'queue', label: q.name, loc: q.loc });
    const n = nodes.get(qid)!;
    n.loc ??= q.loc;
    if (!q.consumers.length && p.workers.length && q.routedFrom.length) n.problem = 'unreachable';
    for (const w of q.consumers) edge({ from: qid, to: add({ id: `worker:${w}`, kind: 'worker', label: w, loc: p.workers.find((x) => x.name === w)?.loc }) });
  }
  return { nodes: [...nodes.values()], edges };
}

const safeId = (id: string) => 'n' + id.replace(/[^A-Za-z0-9_]/g, '_');
const esc = (s: string) => s.replace(/"/g, '#quot;');

export function graphToMermaid(g: Graph): string {
  const shape: Record<NodeKind, [string, string]> = { task: ['([', '])'], exchange: ['{{', '}}'], queue: ['[(', ')]'], worker: ['[/', '/]'] };
  const lines = ['flowchart LR'];
  for (const n of g.nodes) lines.push(`  ${safeId(n.id)}${shape[n.kind][0]}"${esc(n.label)}${n.problem ? ` ⚠ ${n.problem}` : ''}"${shape[n.kind][1]}`);
  for (const e of g.edges) lines.push(`  ${safeId(e.from)} -->${e.label ? `|"${esc(e.label)}"|` : ''} ${safeId(e.to)}`);
  return lines.join('\n');
}

export function graphToDot(g: Graph): string {
  const shape: Record<NodeKind, string> = { task: 'box', exchange: 'diamond', queue: 'cylinder', worker: 'component' };
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph celery_routing {', '  rankdir=LR;'];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}, shape=${shape[n.kind]}${n.problem ? ', color=red' : ''}];`);
  for (const e of g.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.label ? ` [label=${q(e.label)}]` : ''};`);
  lines.push('}');
  return lines.join('\n');
}
