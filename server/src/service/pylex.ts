/**
 * A small Python tokenizer for editor features. The model (tree-sitter) knows what a file means; the editor
 * also needs what sits under the cursor in a buffer that may not parse (an unterminated string while the
 * user types). Linear, no allocation beyond the token array; cached per text.
 */

export type TokKind = 'str' | 'name' | 'op' | 'num' | 'nl';

export interface Tok {
  k: TokKind;
  /** Offsets in the text: the whole token. */
  s: number;
  e: number;
  /** Name / operator text; for strings the content between the quotes (escapes left as written). */
  v: string;
  /** Strings: content offsets (inside the quotes). `ce` stops at the line end when unterminated. */
  cs?: number;
  ce?: number;
  unterminated?: boolean;
  /** Index of the enclosing open bracket token, -1 at top level. */
  open: number;
  /** Open brackets: index of the matching close bracket token (unset while unclosed). */
  close?: number;
}

const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_PART = /[A-Za-z0-9_\u00C0-\uFFFF]/;
const TWO_CHAR_OPS = new Set(['==', '!=', '<=', '>=', '**', '//', '->', ':=', '+=', '-=', '*=', '/=', '|=', '&=', '%=', '<<', '>>']);

export function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  const stack: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '\\' && text[i + 1] === '\n') { i += 2; continue; }
    if (c === '\n') {
      if (!stack.length && toks.length && toks[toks.length - 1].k !== 'nl') toks.push({ k: 'nl', s: i, e: i + 1, v: '\n', open: -1 });
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') { i++; continue; }
    // string, with an optional prefix (r, b, u, f, rb, br, fr, rf)
    let p = i;
    while (p < n && p - i < 2 && /[rRbBuUfF]/.test(text[p])) p++;
    if ((text[p] === "'" || text[p] === '"') && (p === i || !NAME_PART.test(text[i - 1] ?? ''))) {
      const q = text[p];
      const triple = text[p + 1] === q && text[p + 2] === q;
      const qlen = triple ? 3 : 1;
      const cs = p + qlen;
      let j = cs;
      let ce = -1;
      let end = -1;
      while (j < n) {
        const ch = text[j];
        if (ch === '\\') { j += 2; continue; }
        if (!triple && ch === '\n') break;
        if (ch === q && (!triple || (text[j + 1] === q && text[j + 2] === q))) { ce = j; end = j + qlen; break; }
        j++;
      }
      const unterminated = ce < 0;
      if (unterminated) { ce = Math.min(j, n); end = ce; }
      toks.push({ k: 'str', s: i, e: end, v: text.slice(cs, ce), cs, ce, unterminated: unterminated || undefined, open: stack.length ? stack[stack.length - 1] : -1 });
      i = end;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < n && NAME_PART.test(text[j])) j++;
      toks.push({ k: 'name', s: i, e: j, v: text.slice(i, j), open: stack.length ? stack[stack.length - 1] : -1 });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(text[j])) j++;
      toks.push({ k: 'num', s: i, e: j, v: text.slice(i, j), open: stack.length ? stack[stack.length - 1] : -1 });
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    const op = TWO_CHAR_OPS.has(two) ? two : c;
    const open = stack.length ? stack[stack.length - 1] : -1;
    if (op === ')' || op === ']' || op === '}') {
      const o = stack.pop();
      toks.push({ k: 'op', s: i, e: i + 1, v: op, open: stack.length ? stack[stack.length - 1] : -1 });
      if (o !== undefined) toks[o].close = toks.length - 1;
    } else {
      toks.push({ k: 'op', s: i, e: i + op.length, v: op, open });
      if (op === '(' || op === '[' || op === '{') stack.push(toks.length - 1);
    }
    i += op.length;
  }
  return toks;
}

const cache = new Map<string, Tok[]>();
/** Tokens of a text, cached (the last few texts: the open buffers being edited). */
export function tokensOf(text: string): Tok[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const t = tokenize(text);
  if (cache.size > 8) cache.delete(cache.keys().next().value as string);
  cache.set(text, t);
  return t;
}

/** Index of the token containing offset (or ending at it, for a cursor right after a name); -1 if none. */
export function tokenAt(toks: Tok[], offset: number): number {
  let lo = 0, hi = toks.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (toks[mid].s <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (best < 0) return -1;
  const t = toks[best];
  if (offset < t.e || (offset === t.e && (t.k === 'name' || (t.k === 'str' && t.unterminated)))) return best;
  return -1;
}

/** Line starts of a text, for offset ↔ position. */
export class LineMap {
  private starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  offsetAt(p: { line: number; character: number }): number {
    if (p.line >= this.starts.length) return this.text.length;
    return Math.min(this.starts[p.line] + p.character, p.line + 1 < this.starts.length ? this.starts[p.line + 1] : this.text.length);
  }
  positionAt(o: number): { line: number; character: number } {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }
}
