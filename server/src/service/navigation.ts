/**
 * Go to definition and find references for queues, exchanges, tasks and routers. Occurrences in Python are
 * found lexically (roles.ts) in every file the model parsed; in worker files from the -Q ranges of the model.
 */
import type { Project } from './project';
import type { Loc, Position, Range } from '../model/types';
import { tokensOf, tokenAt, linesOf, type Tok, type LineMap } from './pylex';
import { stringRole, rolesIn, type Role } from './roles';
import { analysis, contains, keyMatches, queueByName } from './analysis';

/** Reads a file's current text: the open buffer if any, else the disk. */
export type TextSource = (file: string) => string | undefined;

export type SymbolKind = 'queue' | 'exchange' | 'task' | 'router';

/** What is under the cursor, as far as navigation cares. */
export interface Target { kind: SymbolKind; name: string; range: Range; role?: Role }

export function targetAt(p: Project, file: string, text: string, pos: Position): Target | undefined {
  if (!file.endsWith('.py')) {
    for (const w of p.workers) {
      if (w.loc.file !== file) continue;
      const idx = (w.queueLocs ?? []).findIndex((l) => contains(l, file, pos));
      if (idx >= 0 && w.queues?.[idx]) return { kind: 'queue', name: w.queues[idx], range: w.queueLocs![idx].range };
    }
    return undefined;
  }
  const lines = linesOf(text);
  const toks = tokensOf(text);
  const i = tokenAt(toks, lines.offsetAt(pos));
  if (i < 0) return undefined;
  const t = toks[i];
  if (t.k === 'name') {
    const task = p.tasks.find((x) => contains(x.loc, file, pos));
    return task ? { kind: 'task', name: task.name, range: task.loc.range } : undefined;
  }
  const r = stringRole(toks, i);
  if (!r) return undefined;
  const range = { start: lines.positionAt(t.cs!), end: lines.positionAt(t.ce!) };
  const kind: SymbolKind | undefined = r.role === 'queue' || r.role === 'queue-decl' ? 'queue'
    : r.role === 'exchange' || r.role === 'exchange-decl' ? 'exchange'
      : r.role === 'task-name' || r.role === 'task-name-decl' || r.role === 'route-key' ? 'task'
        : r.role === 'router-path' ? 'router' : undefined;
  return kind ? { kind, name: t.v, range, role: r.role } : undefined;
}

const strLoc = (file: string, lines: LineMap, t: Tok): Loc => ({ file, range: { start: lines.positionAt(t.cs!), end: lines.positionAt(t.ce!) } });

/** String occurrences with one of the roles and this value, in every parsed Python file. */
function stringsWith(p: Project, read: TextSource, roles: Role[], test: (v: string, role: Role) => boolean): Array<{ loc: Loc; role: Role }> {
  const out: Array<{ loc: Loc; role: Role }> = [];
  for (const file of p.ws.byFile.keys()) {
    const text = read(file);
    if (text === undefined) continue;
    const toks = tokensOf(text);
    let lines: LineMap | undefined;
    for (const { index, role } of rolesIn(toks)) {
      if (!roles.includes(role.role) || !test(toks[index].v, role.role)) continue;
      lines ??= linesOf(text);
      out.push({ loc: strLoc(file, lines, toks[index]), role: role.role });
    }
  }
  return out;
}

export function definition(p: Project, file: string, text: string, pos: Position, read: TextSource): Loc[] {
  const t = targetAt(p, file, text, pos);
  if (!t) return [];
  const a = analysis(p);
  switch (t.kind) {
    case 'queue': {
      const q = queueByName(a, t.name);
      if (!q?.loc) return [];
      const precise = stringsWith(p, read, ['queue-decl'], (v) => v === t.name).filter((o) => within(o.loc, q.loc!));
      return [precise[0]?.loc ?? q.loc];
    }
    case 'exchange': {
      const row = a.exchanges.get(t.name);
      if (!row?.loc) return [];
      const precise = stringsWith(p, read, ['exchange-decl'], (v) => v === t.name).filter((o) => within(o.loc, row.loc!));
      return [precise[0]?.loc ?? row.loc];
    }
    case 'task': {
      const exact = p.task(t.name);
      if (exact) return [exact.loc];
      const ref = a.entries.find(({ e }) => (e.key.kind === 'glob' ? e.key.glob : e.key.kind === 'regex' ? e.key.pattern : '') === t.name);
      return ref ? p.tasks.filter((x) => keyMatches(ref.e.key, x.name)).map((x) => x.loc) : [];
    }
    case 'router': return routerLoc(p, t.name, read);
  }
}

function within(inner: Loc, outer: Loc): boolean {
  return inner.file === outer.file && contains(outer, outer.file, inner.range.start) && contains(outer, outer.file, inner.range.end);
}

function routerLoc(p: Project, path: string, read: TextSource): Loc[] {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return [];
  const mod = p.ws.findModule(path.slice(0, dot));
  const name = path.slice(dot + 1);
  if (!mod) return [];
  const text = read(mod.file) ?? '';
  const m = new RegExp(`^(?:async\\s+)?(?:def|class)\\s+(${name})\\b`, 'm').exec(text);
  if (!m) return [{ file: mod.file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
  const lines = linesOf(text);
  const s = m.index + m[0].length - name.length;
  return [{ file: mod.file, range: { start: lines.positionAt(s), end: lines.positionAt(s + name.length) } }];
}

/** Every place a queue is named: declarations, routes, decorators, calls, settings, worker -Q / -X lists. */
export function queueOccurrences(p: Project, name: string, read: TextSource): Array<{ loc: Loc; declaration: boolean }> {
  const out = stringsWith(p, read, ['queue', 'queue-decl'], (v) => v === name).map((o) => ({ loc: o.loc, declaration: o.role === 'queue-decl' }));
  for (const w of p.workers) {
    (w.queues ?? []).forEach((q, i) => { if (q === name && w.queueLocs?.[i]) out.push({ loc: w.queueLocs[i], declaration: false }); });
    (w.excludeQueues ?? []).forEach((q, i) => { const l = w.queueLocs?.[(w.queues?.length ?? 0) + i]; if (q === name && l) out.push({ loc: l, declaration: false }); });
  }
  return dedupe(out);
}

function dedupe<T extends { loc: Loc }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = `${x.loc.file}:${x.loc.range.start.line}:${x.loc.range.start.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function references(p: Project, file: string, text: string, pos: Position, read: TextSource, includeDeclaration = true): Loc[] {
  const t = targetAt(p, file, text, pos);
  if (!t) return [];
  if (t.kind === 'queue') return queueOccurrences(p, t.name, read).filter((o) => includeDeclaration || !o.declaration).map((o) => o.loc);
  if (t.kind === 'exchange') return stringsWith(p, read, ['exchange', 'exchange-decl'], (v) => v === t.name).filter((o) => includeDeclaration || o.role !== 'exchange-decl').map((o) => o.loc);
  if (t.kind === 'task') {
    const names = p.task(t.name) ? [t.name] : definition(p, file, text, pos, read).map((l) => p.tasks.find((x) => x.loc === l)?.name).filter((x): x is string => !!x);
    const out: Loc[] = [];
    for (const n of names) {
      const def = p.task(n);
      if (def && includeDeclaration) out.push(def.loc);
      for (const c of p.calls) if (c.taskName === n) out.push(c.loc);
      const a = analysis(p);
      for (const ref of a.entries) if (ref.e.loc && keyMatches(ref.e.key, n)) out.push(ref.e.loc);
      out.push(...stringsWith(p, read, ['task-name'], (v) => v === n).map((o) => o.loc));
    }
    return dedupe(out.map((loc) => ({ loc }))).map((x) => x.loc);
  }
  return definition(p, file, text, pos, read);
}
