/**
 * "Where does this task go" lenses over task definitions, call sites and route entries. Each carries the
 * full trace so a click shows it without another round trip.
 */
import type { Project, Route } from './project';
import type { Loc, Range } from '../model/types';
import { analysis, entryCatches, type RouteEntryRef } from './analysis';
import { summary, traceLines, where } from './trace';

export interface TraceData {
  task: string;
  title: string;
  summary: string;
  lines: string[];
  unknowns: string[];
  loc: Loc;
  related: Array<{ loc: Loc; label: string }>;
  /** What Celery hands to kombu's publish (null when the send raises or for a route entry). */
  publish?: { queue: string | null; exchange: string; exchangeType: string; routingKey: string | null; priority: number | null; deliveredTo: string[] } | null;
  /** Celery's exception at send time, if any. */
  error?: string | null;
}

/** A lens: its title now, its full trace on demand (codeLens/resolve: traces of 1,000 routes are megabytes). */
export interface Lens { range: Range; title: string; trace(): TraceData }

const lazy = <T>(f: () => T): (() => T) => { let v: T | undefined; return () => (v ??= f()); };

export function traceData(p: Project, r: Route, title: string, loc: Loc): TraceData {
  const related: TraceData['related'] = [];
  if (r.matchedRoute?.loc) related.push({ loc: r.matchedRoute.loc, label: 'route that decided' });
  if (r.definition && r.definition.loc.file !== loc.file) related.push({ loc: r.definition.loc, label: `task ${r.task}` });
  const a = analysis(p);
  for (const q of r.deliveredTo) {
    const x = a.queues?.aliases.get(q) ?? a.queues?.byName.get(q);
    if (x?.loc) related.push({ loc: x.loc, label: `queue ${q}` });
  }
  for (const c of r.consumers) related.push({ loc: c.worker.loc, label: `worker ${c.worker.name}` });
  const publish = r.publish ? { queue: r.queue, exchange: r.publish.exchange, exchangeType: r.publish.exchangeType, routingKey: r.publish.routingKey, priority: r.publish.priority, deliveredTo: r.deliveredTo } : null;
  return { task: r.task, title, summary: summary(r, p.root), lines: traceLines(r, p.root), unknowns: r.unknowns, loc, related, publish, error: r.error };
}

export function codeLenses(p: Project, file: string): Lens[] {
  const a = analysis(p);
  const out: Lens[] = [];
  for (const t of p.tasks) {
    if (t.loc.file !== file) continue;
    const r = a.taskRoutes.get(t.name);
    if (r) out.push({ range: t.loc.range, title: summary(r, p.root), trace: lazy(() => traceData(p, r, `task ${t.name}`, t.loc)) });
  }
  for (const [c, r] of a.callRoutes) {
    if (c.loc.file !== file) continue;
    out.push({ range: c.loc.range, title: summary(r, p.root), trace: lazy(() => traceData(p, r, `${c.via}() of ${r.task}`, c.loc)) });
  }
  for (const ref of a.entries) {
    if (ref.e.loc?.file !== file) continue;
    out.push(entryLens(p, ref));
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}

function keyText(ref: RouteEntryRef): string {
  const k = ref.e.key;
  return k.kind === 'exact' ? k.name : k.kind === 'glob' ? k.glob : k.pattern;
}

function entryLens(p: Project, ref: RouteEntryRef): Lens {
  const a = analysis(p);
  const loc = ref.e.loc!;
  const { matches, decides } = entryCatches(p, ref);
  const key = keyText(ref);
  let title: string;
  if (!matches.length) title = '⚠ catches no task defined in the workspace';
  else if (!decides.length) title = `⚠ shadowed: ${matches.length === 1 ? `'${matches[0].name}' is` : `all ${matches.length} matching tasks are`} decided earlier`;
  else {
    const routes = decides.map((t) => a.taskRoutes.get(t.name)!).filter(Boolean);
    const first = routes[0];
    const same = routes.every((r) => summary(r, p.root) === summary(first, p.root));
    title = `${decides.length} task${decides.length > 1 ? 's' : ''} ${same ? summary(first, p.root) : '→ ' + [...new Set(routes.map((r) => r.queue ?? '?'))].join(', ')}`;
  }
  const trace = (): TraceData => {
    const lines: string[] = [`route '${key}' (${where(loc, p.root)})`];
    for (const t of matches) {
      const r = a.taskRoutes.get(t.name);
      if (!r) continue;
      lines.push('', ...traceLines(r, p.root));
      if (!decides.includes(t)) lines.push('  (this route does not decide: caught earlier)');
    }
    const related = matches.map((t) => ({ loc: t.loc, label: `task ${t.name}` }));
    return { task: decides[0]?.name ?? matches[0]?.name ?? key, title: `route '${key}'`, summary: title, lines, unknowns: [], loc, related };
  };
  return { range: loc.range, title, trace: lazy(trace) };
}

/** The trace under a position: a task definition, a call site or a route entry. */
export function traceAt(p: Project, file: string, pos: { line: number; character: number }): TraceData | undefined {
  const lenses = codeLenses(p, file);
  const inside = (r: Range) => (pos.line > r.start.line || (pos.line === r.start.line && pos.character >= r.start.character)) && (pos.line < r.end.line || (pos.line === r.end.line && pos.character <= r.end.character));
  const hit = lenses.filter((l) => inside(l.range)).sort((x, y) => (x.range.end.line - x.range.start.line) - (y.range.end.line - y.range.start.line))[0]
    ?? lenses.find((l) => l.range.start.line === pos.line);
  return hit?.trace();
}

const perAnalysis = new WeakMap<object, Map<string, Lens[]>>();
/** The lenses of a file, computed once per analysis (codeLens then codeLens/resolve ask for the same). */
export function cachedLenses(p: Project, file: string): Lens[] {
  const a = analysis(p);
  let m = perAnalysis.get(a);
  if (!m) perAnalysis.set(a, (m = new Map()));
  let l = m.get(file);
  if (!l) m.set(file, (l = codeLenses(p, file)));
  return l;
}
