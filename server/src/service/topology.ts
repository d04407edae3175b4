/**
 * The declared topology of a project as plain data, for the client's routing map and broker drift
 * (`celery/topology`), and the task list (`celery/tasks`). LSP-free: locations are Locs.
 */
import type { Project } from './project';
import type { Loc } from '../model/types';
import { analysis } from './analysis';
import { queueReport } from './queues';
import { buildGraph, graphToMermaid, routeProblem } from './graph';
import { summary } from './trace';
import { declaredBindings } from '../routing';
import { redactUrl } from '../broker/url';

export interface TopologyData {
  app: string | null;
  transport: string;
  defaultQueue: string;
  createMissingQueues: boolean;
  queues: Array<{
    name: string; alias?: string; broadcast?: boolean; declared: boolean;
    exchange: { name: string; type: string } | null; routingKey: string | null;
    bindings: Array<{ exchange: string; exchangeType?: string; routingKey: string | null; arguments?: Record<string, unknown> }>;
    queueArguments?: Record<string, unknown>; maxPriority: number | null;
    routedTo: boolean; routedFrom: string[]; consumedBy: string[]; loc?: Loc;
  }>;
  exchanges: Array<{ name: string; type: string; loc?: Loc }>;
  workers: Array<{ name: string; queues: string[] | null; loc: Loc }>;
  brokerUrls: Array<{ app: string; url?: string; redacted?: string; unknown?: string }>;
  mermaid: string;
}

export function topology(p: Project): TopologyData {
  const a = analysis(p);
  // declared queues only: what a worker declares on the broker (auto-created ones appear at first send)
  const rows = queueReport(p).filter((r) => r.declared);
  const queues: TopologyData['queues'] = rows.map((r) => {
    const q = a.queues?.aliases.get(r.name) ?? a.queues?.byName.get(r.name);
    return {
      name: q?.name ?? r.name, alias: q?.alias, broadcast: q?.broadcast || undefined, declared: r.declared,
      exchange: q ? (q.exchange ? { name: q.exchange.name, type: q.exchange.type } : null) : { name: r.exchange, type: r.exchangeType },
      routingKey: r.routingKey,
      bindings: q ? declaredBindings(q).filter((b) => !b.implicit).map((b) => ({ exchange: b.exchange, exchangeType: b.exchangeType, routingKey: b.routingKey, arguments: b.arguments })) : [],
      queueArguments: q?.queueArguments ?? undefined, maxPriority: r.maxPriority,
      routedTo: r.routedFrom.length > 0, routedFrom: r.routedFrom, consumedBy: r.consumers, loc: r.loc,
    };
  });
  const brokerUrls: TopologyData['brokerUrls'] = p.apps.map((app) => {
    const v = app.settings.get('broker_url').value;
    if (v.kind === 'str') return { app: app.id, url: v.value, redacted: redactUrl(v.value), unknown: v.env && !v.env.hasDefault ? `from environment variable ${v.env.variable}` : v.env ? `default of environment variable ${v.env.variable}` : undefined };
    if (v.kind === 'none') return { app: app.id, url: undefined, unknown: 'broker_url is not set (Celery defaults to amqp://guest@localhost//)' };
    return { app: app.id, unknown: v.kind === 'unknown' ? v.reason : `broker_url is a ${v.kind}` };
  });
  return {
    app: a.app?.id ?? null,
    transport: a.app?.config.transport ?? 'amqp',
    defaultQueue: a.app?.config.defaultQueue ?? 'celery',
    createMissingQueues: a.app?.config.createMissingQueues ?? true,
    queues,
    exchanges: [...a.exchanges.values()].map((e) => ({ name: e.name, type: e.type, loc: e.loc })),
    workers: p.workers.map((w) => ({ name: w.name, queues: w.queues ?? null, loc: w.loc })),
    brokerUrls,
    mermaid: graphToMermaid(buildGraph(p)),
  };
}

export interface TaskData {
  name: string; loc: Loc; queue: string | null; deliveredTo: string[]; consumers: string[]; summary: string;
  problem?: 'error' | 'dropped' | 'unreachable' | 'unknown';
}

export function taskList(p: Project): TaskData[] {
  const a = analysis(p);
  return p.tasks.map((t) => {
    const r = a.taskRoutes.get(t.name) ?? p.route({ task: t.name });
    const problem = routeProblem(r, p.workers.length > 0);
    return { name: t.name, loc: t.loc, queue: r.queue, deliveredTo: r.deliveredTo, consumers: [...new Set(r.consumers.map((c) => c.worker.name))], summary: summary(r, p.root), problem };
  });
}
