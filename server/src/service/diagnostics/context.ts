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

/** Routes already computed for the same project state (the editor's analysis), to avoid routing twice. */
export interface KnownRoutes {
  tasks: Map<string, Route>;
  calls: Map<CallFact, Route>;
}

export function buildContext(project: Project, known?: KnownRoutes): DiagContext {
  const app = project.appFor();
  const sends: Send[] = [];
  for (const t of project.tasks) sends.push({ kind: 'task', loc: t.loc, task: t, route: known?.tasks.get(t.name) ?? project.route({ task: t.name }) });
  for (const c of project.calls) {
    const r = known ? known.calls.get(c) : project.routeCall(c);
    if (r) sends.push({ kind: 'call', loc: c.loc, call: c, route: r });
  }
  const routedTo = new Map<string, Send[]>();
  for (const s of sends) {
    const qs = new Set([...s.route.deliveredTo, ...(s.route.queue ? [s.route.queue] : [])]);
    for (const q of qs) {
      const list = routedTo.get(q);
      if (list) list.push(s); else routedTo.set(q, [s]);
    }
  }
  return { project, app, queues: app ? expandQueues(app.config) : undefined, sends, routedTo, workersKnown: project.workers.length > 0 };
}

export function consumed(ctx: DiagContext, queue: string): boolean {
  return !!ctx.app && consumersOf(queue, ctx.project.workers, ctx.app.config, ctx.project.workerConfig).length > 0;
}
