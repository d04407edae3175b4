/**
 * Makefiles: recipe lines (tab-indented, `\` continuations) of each target, with make's own `$$` → `$`
 * and `$(VAR)` / `${VAR}` references resolved from the file's assignments (`?=` values are defaults).
 */
import type { WorkerFact } from '../../model/types';
import { workersFromSegment } from './command';
import type { Vars } from './shellwords';
import { type Doc, type P, type Segment, slice } from './source';

export function makefileWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const t = doc.text;
  const mv: Vars = new Map(vars ?? []);
  const out: WorkerFact[] = [];
  let target: string | undefined;
  let off = 0;
  const lines = t.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const start = off;
    let line = lines[li];
    off += line.length + 1;
    if (line.startsWith('\t')) {
      if (!target) continue;
      // a logical recipe line: continuation lines are passed to the shell with the backslash-newline
      let end = start + line.length;
      while (/\\\r?$/.test(line) && li + 1 < lines.length) { li++; line = lines[li]; end = off + line.length; off += line.length + 1 }
      let s = start + 1;
      while (s < end && /[@+\- ]/.test(t[s])) s++;
      out.push(...workersFromSegment(makeExpand(slice(doc, s, end)), { name: target, runsOn: `Makefile target "${target}"`, vars: mv }));
      continue;
    }
    const body = line.replace(/\r$/, '');
    const a = /^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*([:+?!]?|::)=\s*(.*)$/.exec(body);
    if (a) {
      const vs = start + body.length - a[3].length;
      let ve = start + body.length;
      while (ve > vs && /\s/.test(t[ve - 1])) ve--;
      const seg = slice(doc, vs, ve);
      if (a[2] === '+' && mv.has(a[1])) { const p = mv.get(a[1])!; mv.set(a[1], { ...p, text: `${p.text} ${seg.text}`, pos: [...(p.pos ?? []), seg.pos[0] ?? seg.end, ...seg.pos] }) }
      else if (a[2] !== '?' || !mv.has(a[1])) mv.set(a[1], { text: seg.text, pos: seg.pos, isDefault: a[2] === '?' });
      continue;
    }
    const r = /^([^\s:#=][^:#=]*?)\s*::?(?!=)/.exec(body);
    if (r) target = r[1].trim().split(/\s+/)[0];
    else if (body.trim() && !body.startsWith('#')) target = undefined;
  }
  return out;
}

/** make's expansion layer: `$$` → `$`, `$(NAME)` → `${NAME}` (same length; the shell layer expands it). */
function makeExpand(seg: Segment): Segment {
  const text: string[] = [], pos: P[] = [];
  const t = seg.text;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '$' && t[i + 1] === '$') { text.push('$'); pos.push(seg.pos[i + 1]); i++; continue }
    const m = t[i] === '$' && t[i + 1] === '(' ? /^\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/.exec(t.slice(i, i + 200)) : null;
    if (m) {
      const rep = '${' + m[1] + '}';
      for (let k = 0; k < rep.length; k++) { text.push(rep[k]); pos.push(seg.pos[i + k]) }
      i += m[0].length - 1; continue;
    }
    text.push(t[i]); pos.push(seg.pos[i]);
  }
  return { text: text.join(''), pos, end: seg.end };
}
