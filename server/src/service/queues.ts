/** Queues of the project's app: declaration, who routes to them, who consumes them. */
import { DEFAULT_CONFIG, type Project } from './project';
import { expandQueues, consumersOf } from '../routing';
import type { Loc } from '../model/types';

export interface QueueRow {
  name: string;
  exchange: string;
  exchangeType: string;
  routingKey: string | null;
  declared: boolean;
  maxPriority: number | null;
  routedFrom: string[];
  consumers: string[];
  loc?: Loc;
}

export function queueReport(p: Project): QueueRow[] {
  // No app in the workspace: routes assume Celery's defaults, and so does this report.
  const config = p.appFor()?.config ?? DEFAULT_CONFIG;
  const eq = expandQueues(config);
  const routed = new Map<string, Set<string>>();
  for (const t of p.tasks) {
    const r = p.route({ task: t.name });
    for (const q of r.deliveredTo) routed.set(q, (routed.get(q) ?? new Set()).add(t.name));
  }
  for (const c of p.calls) {
    const r = p.routeCall(c);
    if (r) for (const q of r.deliveredTo) routed.set(q, (routed.get(q) ?? new Set()).add(`${c.taskName} (${c.via})`));
  }
  const rows: QueueRow[] = eq.list.map((q) => ({
    name: q.display, exchange: q.exchange?.name ?? '', exchangeType: q.exchange?.type ?? 'direct', routingKey: q.routingKey,
    declared: true, maxPriority: q.maxPriority, routedFrom: [...(routed.get(q.display) ?? [])], loc: q.loc,
    consumers: [...new Set(consumersOf(q.display, p.workers, config, p.workerConfig).map((c) => c.worker.name))],
  }));
  for (const [name, from] of routed) {
    if (rows.some((r) => r.name === name)) continue;
    rows.push({ name, exchange: name, exchangeType: 'direct', routingKey: name, declared: false, maxPriority: null, routedFrom: [...from], consumers: [...new Set(consumersOf(name, p.workers, config, p.workerConfig).map((c) => c.worker.name))] });
  }
  return rows;
}
