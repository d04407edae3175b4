/**
 * Text with source positions. Every character of a decoded string (a YAML scalar, a shell word after
 * quote removal, a variable's value) keeps the place it came from, so queue names found deep inside
 * `sh -c "..."` in a YAML list still get an exact range in the file.
 */
import type { Loc, Position } from '../../model/types';

/** One file: its text and line starts (positions are zero-based, UTF-16 like LSP). */
export class Doc {
  readonly lineStarts: number[] = [0];
  constructor(readonly file: string, readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }
  position(off: number): Position {
    const ls = this.lineStarts;
    let lo = 0, hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= off) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: Math.max(0, off - ls[lo]) };
  }
}

/** Where one character came from: `[o, e)` in `d` (e > o + 1 for text substituted from a reference). */
export interface P {
  d: Doc; o: number; e: number;
  /** Notes on a character produced by an expansion: `e:VAR=value` (env default), `u:VAR` (unresolved). */
  n?: string[];
}

/** The same origins with notes added. */
export function noted(pos: P[], notes: string[]): P[] {
  if (!notes.length) return pos;
  return pos.map((p) => ({ ...p, n: p.n ? [...new Set([...p.n, ...notes])] : notes }));
}

/** A decoded string with the origin of each character (`pos.length === text.length`). */
export interface Segment { text: string; pos: P[]; /** Where an empty segment sits / the end. */ end: P }

export function at(d: Doc, o: number, e = o + 1): P { return { d, o, e } }

/** `doc.text[start, end)` as is. */
export function slice(doc: Doc, start: number, end: number): Segment {
  const pos: P[] = [];
  for (let i = start; i < end; i++) pos.push({ d: doc, o: i, e: i + 1 });
  return { text: doc.text.slice(start, end), pos, end: at(doc, end, end) };
}

export function subSegment(seg: Segment, a: number, b: number): Segment {
  return { text: seg.text.slice(a, b), pos: seg.pos.slice(a, b), end: b < seg.pos.length ? seg.pos[b] : seg.end };
}

/**
 * A decoded value (YAML / TOML / JSON string) whose raw form is `raw[rawStart, rawEnd)`; characters are
 * matched greedily (escapes, quotes and folded line breaks are skipped). `raw` defaults to the doc text
 * (it differs for Helm templates, parsed with `{{ }}` masked).
 */
export function aligned(doc: Doc, decoded: string, rawStart: number, rawEnd: number, raw = doc.text): Segment {
  const pos: P[] = [];
  let r = rawStart;
  for (let i = 0; i < decoded.length; i++) {
    const ch = decoded[i];
    if (!/\s/.test(ch)) while (r < rawEnd && /\s/.test(raw[r])) r++;
    let found = -1;
    for (let k = r; k < rawEnd && k < r + 12; k++) if (raw[k] === ch) { found = k; break }
    if (found >= 0) { pos.push(at(doc, found)); r = found + 1 }
    else { const o = Math.min(r, Math.max(rawStart, rawEnd - 1)); pos.push(at(doc, o)); if (r < rawEnd) r++ }
  }
  return { text: decoded, pos, end: at(doc, rawEnd, rawEnd) };
}

/** The location of characters `[i, j)` of a segment (one character's place when they span files). */
export function locOf(pos: P[], i: number, j: number, fallback?: P): Loc {
  const a = pos[i] ?? fallback ?? pos[pos.length - 1];
  if (!a) return { file: '', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  let e = a.e;
  for (let k = Math.max(i, j - 1); k >= i; k--) {
    const b = pos[k];
    if (b && b.d === a.d && b.e >= a.o) { e = Math.max(b.e, a.e); break }
  }
  return spanLoc(a.d, a.o, e);
}

export function spanLoc(d: Doc, o: number, e: number): Loc {
  return { file: d.file, range: { start: d.position(o), end: d.position(e) } };
}

/** Largest input read; the rest of a huge file is ignored. */
export const MAX_TEXT = 2_000_000;

export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/** `celery.service` → `celery`; `Dockerfile.worker` → `Dockerfile.worker`. */
export function stem(path: string): string {
  const b = basename(path);
  const i = b.lastIndexOf('.');
  return i > 0 ? b.slice(0, i) : b;
}

/** End of the logical line starting at `from`: lines ending in a backslash continue on the next one. */
export function logicalLineEnd(t: string, from: number): number {
  let e = from;
  for (;;) {
    let nl = t.indexOf('\n', e);
    if (nl < 0) nl = t.length;
    const line = t.slice(e, nl).replace(/\r$/, '');
    if (/\\\s*$/.test(line) && nl < t.length) { e = nl + 1; continue; }
    return e + line.length;
  }
}
