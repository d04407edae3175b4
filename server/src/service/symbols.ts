/** Document and workspace symbols: queues, exchanges, tasks, routes (and workers in worker files). */
import type { Project } from './project';
import type { Loc, Range } from '../model/types';
import { tokensOf, linesOf } from './pylex';
import { rolesIn } from './roles';
import { analysis } from './analysis';

export type RoutingSymbolKind = 'queue' | 'exchange' | 'task' | 'route' | 'worker';

export interface RoutingSymbol {
  name: string;
  kind: RoutingSymbolKind;
  detail?: string;
  /** The whole construct; `selection` is the name. */
  range: Range;
  selection: Range;
  children?: RoutingSymbol[];
}

export interface WorkspaceSymbol { name: string; kind: RoutingSymbolKind; detail?: string; loc: Loc }

export function documentSymbols(p: Project, file: string, text: string): RoutingSymbol[] {
  const out: RoutingSymbol[] = [];
  if (!file.endsWith('.py')) {
    for (const w of p.workers) {
      if (w.loc.file !== file) continue;
      const children: RoutingSymbol[] = [];
      (w.queues ?? []).forEach((q, i) => { const l = w.queueLocs?.[i]; if (l) children.push({ name: q, kind: 'queue', range: l.range, selection: l.range }); });
      out.push({ name: w.name, kind: 'worker', detail: w.queues ? `-Q ${w.queues.join(',')}` : 'all queues', range: w.loc.range, selection: w.loc.range, children });
    }
    return out;
  }
  const lines = linesOf(text);
  const toks = tokensOf(text);
  for (const { index, role } of rolesIn(toks)) {
    if (role.role !== 'queue-decl' && role.role !== 'exchange-decl') continue;
    const t = toks[index];
    const r = { start: lines.positionAt(t.cs!), end: lines.positionAt(t.ce!) };
    const open = t.open >= 0 ? toks[t.open] : undefined;
    const whole = open?.close !== undefined ? { start: lines.positionAt(t.s), end: lines.positionAt(toks[open.close].e) } : r;
    out.push({ name: t.v, kind: role.role === 'queue-decl' ? 'queue' : 'exchange', range: whole, selection: r, detail: role.role === 'queue-decl' ? 'queue' : 'exchange' });
  }
  for (const t of p.tasks) if (t.loc.file === file) out.push({ name: t.name, kind: 'task', detail: t.decorator, range: t.defLoc.range, selection: t.loc.range });
  for (const ref of analysis(p).entries) {
    const l = ref.e.loc;
    if (l?.file !== file) continue;
    const k = ref.e.key;
    const v = ref.e.value;
    const detail = v.kind === 'string' ? `→ ${v.queue}` : v.kind === 'options' && typeof v.options.queue === 'string' ? `→ ${v.options.queue}` : v.kind;
    out.push({ name: k.kind === 'exact' ? k.name : k.kind === 'glob' ? k.glob : k.pattern, kind: 'route', detail, range: v.loc ? { start: l.range.start, end: v.loc.range.end } : l.range, selection: l.range });
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}

/** Case-insensitive subsequence match, like editors' symbol pickers. */
export function fuzzy(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n[i] === q[j]) j++;
  return j === q.length;
}

export function workspaceSymbols(p: Project, query: string, limit = 500): WorkspaceSymbol[] {
  const a = analysis(p);
  const out: WorkspaceSymbol[] = [];
  const add = (s: WorkspaceSymbol) => { if (out.length < limit && fuzzy(query, s.name)) out.push(s); };
  for (const q of a.queues?.list ?? []) if (q.loc) add({ name: q.display, kind: 'queue', detail: q.exchange ? `${q.exchange.name} (${q.exchange.type})` : 'bindings', loc: q.loc });
  for (const e of a.exchanges.values()) if (e.loc) add({ name: e.name, kind: 'exchange', detail: e.type, loc: e.loc });
  for (const t of p.tasks) add({ name: t.name, kind: 'task', detail: t.module, loc: t.loc });
  for (const ref of a.entries) {
    if (!ref.e.loc) continue;
    const k = ref.e.key;
    add({ name: k.kind === 'exact' ? k.name : k.kind === 'glob' ? k.glob : k.pattern, kind: 'route', detail: 'task_routes', loc: ref.e.loc });
  }
  for (const w of p.workers) add({ name: w.name, kind: 'worker', detail: w.queues ? `-Q ${w.queues.join(',')}` : 'all queues', loc: w.loc });
  return out;
}
