/** What every diagnostic rule needs, computed once per analysis: each send's route and the queues' use. */
import type { Project, Route, ResolvedApp } from '../project';
import type { CallFact, Loc, TaskFact } from '../../model/types';
import { expandQueues, consumersOf, type ExpandedQueues } from '../../routing';

export interface Send {
  kind: 'task' | 'call';
  loc: Loc;
  task?: TaskFact;
  call?: CallFact;
  route: Route;
}

export interface DiagContext {
  project: Project;
  app?: ResolvedApp;
  queues?: ExpandedQueues;
  sends: Send[];
  /** Queue (display name) → the sends that deliver to it. */
  routedTo: Map<string, Send[]>;
  /** Some worker command was found (otherwise "no worker consumes" would be noise). */
  workersKnown: boolean;
}

export function buildContext(project: Project): DiagContext {
  const app = project.appFor();
  const sends: Send[] = [];
  for (const t of project.tasks) sends.push({ kind: 'task', loc: t.loc, task: t, route: project.route({ task: t.name }) });
  for (const c of project.calls) {
    const r = project.routeCall(c);
    if (r) sends.push({ kind: 'call', loc: c.loc, call: c, route: r });
  }
  const routedTo = new Map<string, Send[]>();
  for (const s of sends) {
    const qs = new Set([...s.route.deliveredTo, ...(s.route.queue ? [s.route.queue] : [])]);
    for (const q of qs) routedTo.set(q, [...(routedTo.get(q) ?? []), s]);
  }
  return { project, app, queues: app ? expandQueues(app.config) : undefined, sends, routedTo, workersKnown: project.workers.length > 0 };
}

export function consumed(ctx: DiagContext, queue: string): boolean {
  return !!ctx.app && consumersOf(queue, ctx.project.workers, ctx.app.config).length > 0;
}
