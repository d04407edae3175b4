/**
 * Quick fixes for routing diagnostics: the fixes the rules carry, plus the ones that need file text
 * (declare a queue in task_queues, add a queue to a worker's -Q, wrap an items list, anchor a regex,
 * fix a task-name typo, rename old setting names).
 */
import type { Project } from './project';
import type { Loc, Range } from '../model/types';
import type { RoutingDiagnostic } from './diagnostics';
import type { TextSource } from './navigation';
import type { FileEdit } from './rename';
import { tokensOf, linesOf } from './pylex';
import { analysis } from './analysis';
import { newNameOf, oldNameOf, settingStyle } from '../routing/settings';

export interface CodeActionData {
  title: string;
  kind: 'quickfix';
  edits: FileEdit[];
  preferred?: boolean;
  diagnostic: RoutingDiagnostic;
}

const overlaps = (a: Range, b: Range) =>
  !(a.end.line < b.start.line || (a.end.line === b.start.line && a.end.character < b.start.character)
    || b.end.line < a.start.line || (b.end.line === a.start.line && b.end.character < a.start.character));

/** Actions for the diagnostics of `file` that touch `range`. */
export function codeActions(p: Project, file: string, range: Range, diagnostics: RoutingDiagnostic[], read: TextSource): CodeActionData[] {
  const out: CodeActionData[] = [];
  for (const d of diagnostics) {
    if (d.loc.file !== file || !overlaps(d.loc.range, range)) continue;
    for (const f of d.fixes ?? []) if (f.edits.length) out.push({ title: f.title, kind: 'quickfix', preferred: f.preferred, diagnostic: d, edits: f.edits.map((e) => ({ file: e.loc.file, range: e.loc.range, newText: e.newText })) });
    try {
      out.push(...extraFixes(p, d, read));
    } catch { /* a fix we cannot build is just not offered */ }
  }
  return out;
}

function extraFixes(p: Project, d: RoutingDiagnostic, read: TextSource): CodeActionData[] {
  const q = d.data?.queue;
  const act = (title: string, edits: FileEdit[], preferred?: boolean): CodeActionData[] => (edits.length ? [{ title, kind: 'quickfix', edits, preferred, diagnostic: d }] : []);
  switch (d.code) {
    case 'send-raises':
    case 'undeclared-queue':
    case 'worker-undeclared-queue':
    case 'default-queue-undeclared':
      return q ? act(`Declare queue '${q}' in task_queues`, declareQueue(p, q, read), true) : [];
    case 'unreachable-queue': {
      if (!q) return [];
      return p.workers.filter((w) => w.queues?.length && w.queueLocs?.length === (w.queues.length + (w.excludeQueues?.length ?? 0)) && !w.unresolved?.length && !w.queues.includes(q)).slice(0, 5).flatMap((w) => {
        const last = w.queueLocs![w.queues!.length - 1];
        return act(`Add '${q}' to worker ${w.name}'s -Q`, [{ file: last.file, range: { start: last.range.end, end: last.range.end }, newText: `,${q}` }]);
      });
    }
    case 'routes-not-wrapped': {
      const v = analysis(p).app?.settings.get('task_routes').fact?.value;
      if (!v?.loc || v.kind !== 'list') return [];
      const r = v.loc.range;
      return act('Wrap the items list in a tuple: ([...],)', [
        { file: v.loc.file, range: { start: r.start, end: r.start }, newText: '(' },
        { file: v.loc.file, range: { start: r.end, end: r.end }, newText: ',)' },
      ], true);
    }
    case 'regex-unanchored': {
      const s = stringIn(d.loc, read);
      return s ? act("Anchor the regex with '$'", [{ file: d.loc.file, range: { start: s.end, end: s.end }, newText: '$' }], true) : [];
    }
    case 'unknown-task-name': {
      const s = stringIn(d.loc, read, d.data?.task);
      return s && d.data?.suggestion ? act(`Change to '${d.data.suggestion}'`, [{ file: d.loc.file, range: s, newText: d.data.suggestion }], true) : [];
    }
    case 'mixed-setting-names': return renameMixed(d, read);
    default: return [];
  }
}

/** The content range of the first (or the named) string literal inside a loc. */
function stringIn(loc: Loc, read: TextSource, value?: string): Range | undefined {
  const text = read(loc.file);
  if (text === undefined) return undefined;
  const lines = linesOf(text);
  const s = lines.offsetAt(loc.range.start);
  const e = lines.offsetAt(loc.range.end);
  const t = tokensOf(text).find((x) => x.k === 'str' && x.s >= s && x.e <= e && (value === undefined || x.v === value));
  return t ? { start: lines.positionAt(t.cs!), end: lines.positionAt(t.ce!) } : undefined;
}

/** Insert a queue declaration before the closing bracket of task_queues, in the form the file uses. */
export function declareQueue(p: Project, name: string, read: TextSource): FileEdit[] {
  const v = analysis(p).app?.settings.get('task_queues').fact?.value;
  if (!v?.loc || (v.kind !== 'list' && v.kind !== 'tuple' && v.kind !== 'dict')) return [];
  const text = read(v.loc.file);
  if (text === undefined) return [];
  const lines = linesOf(text);
  const close = lines.offsetAt(v.loc.range.end) - 1;
  if (!/[)\]}]/.test(text[close] ?? '')) return [];
  const open = lines.offsetAt(v.loc.range.start);
  const inner = text.slice(open + 1, close);
  const entry = v.kind === 'dict'
    ? `'${name}': {'exchange': '${name}', 'routing_key': '${name}'}`
    : /\bExchange\b/.test(text) ? `Queue('${name}', Exchange('${name}'), routing_key='${name}')` : `Queue('${name}')`;
  const multiline = inner.includes('\n');
  const trimmed = inner.replace(/\s+$/, '');
  const needsComma = trimmed.length > 0 && !trimmed.endsWith(',');
  if (multiline) {
    // new line before the closing bracket, indented like the items
    const indent = /\n([ \t]+)\S/.exec(inner)?.[1] ?? '    ';
    const at = open + 1 + trimmed.length;
    return [{ file: v.loc.file, range: { start: lines.positionAt(at), end: lines.positionAt(at) }, newText: `${needsComma ? ',' : ''}\n${indent}${entry},` }];
  }
  const at = open + 1 + trimmed.length;
  const tupleOfOne = v.kind === 'tuple' && !trimmed.length;
  return [{ file: v.loc.file, range: { start: lines.positionAt(at), end: lines.positionAt(at) }, newText: `${needsComma ? ', ' : ''}${entry}${tupleOfOne ? ',' : ''}` }];
}

/** ImproperlyConfigured (old + new names mixed): rename the odd ones to the majority format. */
function renameMixed(d: RoutingDiagnostic, read: TextSource): CodeActionData[] {
  const toNew = /to the new format/.test(d.message);
  const edits: FileEdit[] = [];
  for (const loc of [d.loc, ...(d.related ?? []).map((r) => r.loc)]) {
    const text = read(loc.file);
    if (text === undefined) continue;
    const lines = linesOf(text);
    const written = text.slice(lines.offsetAt(loc.range.start), lines.offsetAt(loc.range.end));
    const s = settingStyle(written);
    const target = toNew ? newNameOf(written) ?? s?.key : s ? oldNameOf(s.key) : undefined;
    if (target && target !== written) edits.push({ file: loc.file, range: loc.range, newText: target });
  }
  return edits.length ? [{ title: `Rename to the ${toNew ? 'new' : 'old'} setting names`, kind: 'quickfix', edits, preferred: true, diagnostic: d }] : [];
}
