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

// Character classes by code: no regex per character (a 5,000-line buffer is lexed again after each edit, on the
// first editor request that reads it).
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0xc0;
const isNamePart = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isDigit = (c: number) => c >= 48 && c <= 57;
/** r R b B u U f F: string prefixes. */
const isStrPrefix = (c: number) => c === 114 || c === 82 || c === 98 || c === 66 || c === 117 || c === 85 || c === 102 || c === 70;
const TWO_CHAR_OPS = new Set(['==', '!=', '<=', '>=', '**', '//', '->', ':=', '+=', '-=', '*=', '/=', '|=', '&=', '%=', '<<', '>>']);
/** First characters of the two-character operators. */
const TWO_CHAR_FIRST = new Set([...TWO_CHAR_OPS].map((o) => o.charCodeAt(0)));

/** Every token has every field (one object shape: the feature code reading them stays monomorphic). */
const tok = (k: TokKind, s: number, e: number, v: string, open: number): Tok => ({ k, s, e, v, cs: undefined, ce: undefined, unterminated: undefined, open, close: undefined });

const NL = 10, HASH = 35, BACKSLASH = 92, SQ = 39, DQ = 34, DOT = 46;

export function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  const stack: number[] = [];
  let i = 0;
  const n = text.length;
  const top = () => (stack.length ? stack[stack.length - 1] : -1);
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === HASH) { while (i < n && text.charCodeAt(i) !== NL) i++; continue; }
    if (c === BACKSLASH && text.charCodeAt(i + 1) === NL) { i += 2; continue; }
    if (c === NL) {
      if (!stack.length && toks.length && toks[toks.length - 1].k !== 'nl') toks.push(tok('nl', i, i + 1, '\n', -1));
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12) { i++; continue; }
    // string, with an optional prefix (r, b, u, f, rb, br, fr, rf)
    let p = i;
    while (p < n && p - i < 2 && isStrPrefix(text.charCodeAt(p))) p++;
    const qc = text.charCodeAt(p);
    if ((qc === SQ || qc === DQ) && (p === i || i === 0 || !isNamePart(text.charCodeAt(i - 1)))) {
      const triple = text.charCodeAt(p + 1) === qc && text.charCodeAt(p + 2) === qc;
      const qlen = triple ? 3 : 1;
      const cs = p + qlen;
      let j = cs;
      let ce = -1;
      let end = -1;
      while (j < n) {
        const ch = text.charCodeAt(j);
        if (ch === BACKSLASH) { j += 2; continue; }
        if (!triple && ch === NL) break;
        if (ch === qc && (!triple || (text.charCodeAt(j + 1) === qc && text.charCodeAt(j + 2) === qc))) { ce = j; end = j + qlen; break; }
        j++;
      }
      const unterminated = ce < 0;
      if (unterminated) { ce = Math.min(j, n); end = ce; }
      const t = tok('str', i, end, text.slice(cs, ce), top());
      t.cs = cs; t.ce = ce; if (unterminated) t.unterminated = true;
      toks.push(t);
      i = end;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNamePart(text.charCodeAt(j))) j++;
      toks.push(tok('name', i, j, text.slice(i, j), top()));
      i = j;
      continue;
    }
    if (isDigit(c) || (c === DOT && isDigit(text.charCodeAt(i + 1)))) {
      let j = i + 1;
      for (let d = text.charCodeAt(j); j < n && (isDigit(d) || (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95 || d === DOT); d = text.charCodeAt(++j));
      toks.push(tok('num', i, j, text.slice(i, j), top()));
      i = j;
      continue;
    }
    const two = TWO_CHAR_FIRST.has(c) ? text.slice(i, i + 2) : '';
    const op = two && TWO_CHAR_OPS.has(two) ? two : text[i];
    const open = top();
    if (op === ')' || op === ']' || op === '}') {
      const o = stack.pop();
      toks.push(tok('op', i, i + 1, op, top()));
      if (o !== undefined) toks[o].close = toks.length - 1;
    } else {
      toks.push(tok('op', i, i + op.length, op, open));
      if (op === '(' || op === '[' || op === '{') stack.push(toks.length - 1);
    }
    i += op.length;
  }
  return toks;
}

/** Texts whose tokens and line starts are kept: a 5,000-line buffer's tokens take ~5 MB, and an edited buffer's
 * older versions are never asked again (the open buffers a user switches between are). */
const CACHED_TEXTS = 3;
const cache = new Map<string, { toks?: Tok[]; lines?: LineMap }>();
function cached(text: string): { toks?: Tok[]; lines?: LineMap } {
  let hit = cache.get(text);
  if (!hit) {
    if (cache.size >= CACHED_TEXTS) cache.delete(cache.keys().next().value as string);
    cache.set(text, (hit = {}));
  }
  return hit;
}

/** Tokens of a text, cached (the last few texts: the open buffers being edited). */
export function tokensOf(text: string): Tok[] {
  const c = cached(text);
  return (c.toks ??= tokenize(text));
}

/** Line starts of a text, cached like its tokens (every request of a feature maps offsets and positions). */
export function linesOf(text: string): LineMap {
  const c = cached(text);
  return (c.lines ??= new LineMap(text));
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
