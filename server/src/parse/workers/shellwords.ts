/**
 * A static POSIX-shell tokenizer that keeps the origin of every character. It splits a command line into
 * simple commands (at newlines, `;`, `&`, `&&`, `||`, `|`, parentheses) and words (quote removal,
 * backslash escapes, line continuations), drops redirections, comments and here-documents, and expands
 * parameters it can know: `${VAR:-default}` / `${VAR-default}` / `${VAR:=default}` give the default (noted
 * as `VAR=default` in `envDefaults`), variables given by the caller (or assigned earlier in the same
 * script) give their value. Anything else (`$VAR` without a value, `$(cmd)`, backticks, Helm `{{ }}`) is
 * kept as written and listed in `unresolved`. Nothing is executed.
 */
import { type P, type Segment, at, noted } from './source';

export interface Word {
  /** The word after quote removal and expansion. */
  value: string;
  /** Origin of each character of `value`. */
  pos: P[];
  /** The word as written (before quote removal). */
  raw: string;
  start: P;
  end: P;
  /** Variables / expressions kept as written because their value is unknown. */
  unresolved: string[];
  /** `VAR=value` for every value taken from an overridable default. */
  envDefaults: string[];
  /** The whole word is one unquoted unknown expansion: it may stand for several words (options). */
  opaque: boolean;
  /** Set for an assignment word `NAME=value` (the name). */
  assign?: string;
}

/** A known variable value. `pos` (when known) is where the value is written. */
export interface VarValue {
  text: string;
  pos?: P[];
  /** An overridable default (`${X:=d}`, Makefile `?=`, Dockerfile ENV/ARG): noted in envDefaults. */
  isDefault?: boolean;
  envDefaults?: string[];
  unresolved?: string[];
}
export type Vars = Map<string, VarValue>;

export interface TokenizeOptions {
  vars?: Vars;
  /** Remember `NAME=value` commands (and `export NAME=value`) for later expansions (in `vars`). */
  track?: boolean;
  /**
   * `word`: the whole segment is one argv element (YAML list item, JSON array item): no quotes, no
   * splitting, only `$` expansions. `shell` (default): a shell command line.
   */
  mode?: 'shell' | 'word';
  /** Kubernetes: `$(VAR)` is a variable reference, `$$` a literal `$`. */
  k8s?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** `${A:-${B:-${C:-${D:-x}}}}` nesting followed (scripts nest two or three deep); deeper defaults stay unresolved:
 * each followed level copies the rest of the word (10,000 levels: 430 ms with 16 followed, 175 ms with 4). */
const MAX_NESTING = 4;
const SPECIAL = /^(?:[0-9]|[@*#?$!-])/;
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r';

interface Builder {
  chars: string[]; pos: P[]; startIdx: number; started: boolean;
  unresolved: Set<string>; envDefaults: Set<string>;
  literal: boolean; opaqueExp: boolean; assign?: string;
}

export function tokenize(seg: Segment, opts: TokenizeOptions = {}): Word[][] {
  try {
    return new Tokenizer(seg, opts).run();
  } catch {
    return [];
  }
}

/** Expansion result: characters (with origins) and the notes they carry. */
interface Piece { chars: string[]; pos: P[]; unresolved: string[]; envDefaults: string[]; opaque: boolean }

class Tokenizer {
  private readonly t: string;
  private readonly vars: Vars;
  private cmds: Word[][] = [];
  private cmd: Word[] = [];
  private b: Builder | undefined;
  private redirect = false;
  private heredocs: { delim: string; strip: boolean }[] = [];

  /** `nesting`: how deep inside `${X:-${Y:-...}}` defaults this tokenizer works (bounded: see MAX_NESTING). */
  constructor(private readonly seg: Segment, private readonly o: TokenizeOptions, private readonly nesting = 0) {
    this.t = seg.text;
    this.vars = o.vars ?? new Map();
  }

  private p(i: number): P { return this.seg.pos[i] ?? this.seg.end }
  private span(i: number, j: number): P {
    const a = this.p(i), b = this.p(Math.max(i, j - 1));
    return at(a.d, a.o, b.d === a.d ? Math.max(b.e, a.e) : a.e);
  }

  run(): Word[][] {
    if (this.o.mode === 'word') {
      this.wordMode();
    } else {
      this.shellMode(0, this.t.length);
    }
    this.finishCommand();
    return this.cmds;
  }

  // ------------------------------------------------------------------ builders

  private word(i: number): Builder {
    if (!this.b) {
      const rest = this.t.slice(i, i + 200);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest);
      const assign = m && this.cmd.every((w) => w.assign) ? m[1] : undefined;
      this.b = { chars: [], pos: [], startIdx: i, started: true, unresolved: new Set(), envDefaults: new Set(), literal: false, opaqueExp: false, assign };
    }
    return this.b;
  }

  private lit(i: number, ch: string, p: P = this.p(i)) {
    const b = this.word(i);
    b.chars.push(ch); b.pos.push(p); b.literal = true;
  }

  private finishWord(endIdx: number) {
    const b = this.b;
    if (!b) return;
    this.b = undefined;
    if (this.redirect) { this.redirect = false; return }
    const start = this.p(b.startIdx);
    const endP = this.p(Math.max(b.startIdx, endIdx - 1));
    this.cmd.push({
      value: b.chars.join(''), pos: b.pos, raw: this.t.slice(b.startIdx, endIdx),
      start, end: at(endP.d, endP.e, endP.e),
      unresolved: [...b.unresolved], envDefaults: [...b.envDefaults],
      opaque: b.opaqueExp && !b.literal, assign: b.assign,
    });
  }

  private finishCommand(at = this.t.length) {
    this.finishWord(at);
    const c = this.cmd;
    this.cmd = [];
    this.redirect = false;
    if (!c.length) return;
    if (this.o.track) this.track(c);
    this.cmds.push(c);
  }

  private track(c: Word[]) {
    let ws = c;
    if (['export', 'readonly', 'local', 'declare', 'typeset'].includes(ws[0].value)) ws = ws.slice(1).filter((w) => !w.value.startsWith('-'));
    for (const w of ws) {
      const eq = w.value.indexOf('=');
      if (eq <= 0 || !NAME.test(w.value) || NAME.exec(w.value)![0].length !== eq) return;
    }
    for (const w of ws) {
      const eq = w.value.indexOf('=');
      this.vars.set(w.value.slice(0, eq), {
        text: w.value.slice(eq + 1), pos: w.pos.slice(eq + 1),
        envDefaults: w.envDefaults, unresolved: w.unresolved,
      });
    }
  }

  /** Adds expansion output to the current word; unquoted, whitespace splits words. */
  private add(i: number, piece: Piece, quoted: boolean, endIdx: number) {
    piece = { ...piece, pos: noted(piece.pos, [...new Set([...piece.envDefaults.map((e) => 'e:' + e), ...piece.unresolved.map((u) => 'u:' + u)])]) };
    const note = (b: Builder) => {
      piece.unresolved.forEach((u) => b.unresolved.add(u));
      piece.envDefaults.forEach((e) => b.envDefaults.add(e));
      if (piece.opaque && !quoted) b.opaqueExp = true; else b.literal = true;
    };
    if (quoted || piece.opaque) { note(this.word(i)); piece.chars.forEach((c, k) => { this.b!.chars.push(c); this.b!.pos.push(piece.pos[k]) }); return }
    if (this.b) note(this.b);
    piece.chars.forEach((c, k) => {
      if (c === ' ' || c === '\t' || c === '\n') { this.finishWord(endIdx); return }
      const fresh = !this.b;
      const b = this.word(i);
      if (fresh) { b.assign = undefined; note(b) }
      b.chars.push(c); b.pos.push(piece.pos[k]);
    });
  }

  // ------------------------------------------------------------------ modes

  private wordMode() {
    const t = this.t;
    this.word(0).assign = undefined;
    this.b!.literal = true;
    let i = 0;
    while (i < t.length) {
      if (t[i] === '$' || (t[i] === '{' && t[i + 1] === '{')) {
        const r = this.dollar(i, true);
        if (r) { this.add(i, r.piece, true, r.next); i = r.next; continue }
      }
      this.lit(i, t[i]); i++;
    }
    if (!this.b) this.word(0);
    this.finishWord(t.length);
  }

  private shellMode(from: number, to: number) {
    const t = this.t;
    let i = from;
    while (i < to) {
      const c = t[i];
      if (c === '\\' && t[i + 1] === '\n') { i += 2; continue }
      if (c === '\\' && t[i + 1] === '\r' && t[i + 2] === '\n') { i += 3; continue }
      if (c === '\n') { this.finishCommand(i); i = this.skipHeredocs(i + 1); continue }
      if (isSpace(c)) { this.finishWord(i); i++; continue }
      if (c === '#' && !this.b) { while (i < to && t[i] !== '\n') i++; continue }
      if (c === '\\') { if (i + 1 < to) this.lit(i + 1, t[i + 1]); else this.word(i); i += 2; continue }
      if (c === "'") {
        const b = this.word(i); b.literal = true;
        let k = i + 1;
        while (k < to && t[k] !== "'") { this.lit(k, t[k]); k++ }
        i = k + 1; continue;
      }
      if (c === '"') { i = this.doubleQuoted(i + 1, to); continue }
      if (c === '$' && t[i + 1] === "'") {
        const b = this.word(i); b.literal = true;
        let k = i + 2;
        while (k < to && t[k] !== "'") { if (t[k] === '\\') k++; if (k < to) this.lit(k, t[k]); k++ }
        i = k + 1; continue;
      }
      if (c === '$' || c === '`' || (c === '{' && t[i + 1] === '{')) {
        const r = this.dollar(i, false);
        if (r) { this.add(i, r.piece, false, r.next); i = r.next; continue }
        this.lit(i, c); i++; continue;
      }
      if (c === '>' || c === '<' || (c === '&' && t[i + 1] === '>')) { i = this.redirection(i); continue }
      if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
        this.finishCommand(i);
        i += (t[i + 1] === c && c !== '(' && c !== ')') ? 2 : 1;
        continue;
      }
      this.lit(i, c); i++;
    }
    this.finishWord(to);
  }

  private doubleQuoted(i: number, to: number): number {
    const t = this.t;
    // `"$@"`: each argument its own word (the one expansion that splits inside quotes; not in `X="$@"`)
    if (t.startsWith('$@"', i) && this.vars.has('@') && !this.b?.assign) {
      const r = this.dollar(i, false);
      if (r) { this.add(i, r.piece, false, r.next); return i + 3; }
    }
    const b = this.word(i - 1); b.literal = true;
    while (i < to && t[i] !== '"') {
      const c = t[i];
      if (c === '\\' && i + 1 < to) {
        const n = t[i + 1];
        if (n === '\n') { i += 2; continue }
        if (n === '$' || n === '`' || n === '"' || n === '\\') { this.lit(i + 1, n); i += 2; continue }
        this.lit(i, c); i++; continue;
      }
      if (c === '$' || c === '`' || (c === '{' && t[i + 1] === '{')) {
        const r = this.dollar(i, true);
        if (r) { this.add(i, r.piece, true, r.next); i = r.next; continue }
      }
      this.lit(i, c); i++;
    }
    return i + 1;
  }

  private redirection(i: number): number {
    const t = this.t;
    if (this.b && /^[0-9]+$/.test(this.t.slice(this.b.startIdx, i))) this.b = undefined;
    else this.finishWord(i);
    if (t[i] === '<' && t[i + 1] === '<' && t[i + 2] !== '<') {
      const strip = t[i + 2] === '-';
      let k = i + (strip ? 3 : 2);
      while (isSpace(t[k] ?? '')) k++;
      const m = /^(['"]?)([A-Za-z0-9_.-]+)\1/.exec(t.slice(k, k + 100));
      if (m) { this.heredocs.push({ delim: m[2], strip }); return k + m[0].length }
    }
    let k = i;
    while (k < t.length && (t[k] === '<' || t[k] === '>' || t[k] === '&' || t[k] === '|')) k++;
    this.redirect = true;
    while (isSpace(t[k] ?? '')) k++;
    return k;
  }

  private skipHeredocs(i: number): number {
    const t = this.t;
    while (this.heredocs.length) {
      const h = this.heredocs.shift()!;
      while (i < t.length) {
        let e = t.indexOf('\n', i);
        if (e < 0) e = t.length;
        const line = t.slice(i, e).replace(/\r$/, '');
        i = e + 1;
        if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) break;
      }
    }
    return Math.min(i, t.length);
  }

  // ------------------------------------------------------------------ expansions

  /** Parses an expansion at `i` (`$...`, backquotes, `{{ }}`); undefined: a literal `$`. */
  private dollar(i: number, quoted: boolean): { piece: Piece; next: number } | undefined {
    const t = this.t;
    const asIs = (j: number, what: string): { piece: Piece; next: number } => ({
      piece: { chars: [...t.slice(i, j)], pos: this.seg.pos.slice(i, j), unresolved: [what], envDefaults: [], opaque: true }, next: j,
    });
    if (t[i] === '{') {
      const j = t.indexOf('}}', i + 2);
      const end = j < 0 ? t.length : j + 2;
      return asIs(end, t.slice(i, end).replace(/\s+/g, ' '));
    }
    if (t[i] === '`') {
      const j = t.indexOf('`', i + 1);
      const end = j < 0 ? t.length : j + 1;
      return asIs(end, t.slice(i, end));
    }
    const n = t[i + 1];
    if (this.o.k8s && n === '$') return { piece: { chars: ['$'], pos: [this.p(i + 1)], unresolved: [], envDefaults: [], opaque: false }, next: i + 2 };
    if (n === '(') {
      const end = this.matching(i + 1, '(', ')');
      const inner = t.slice(i + 2, end - 1);
      if (this.o.k8s && NAME.exec(inner)?.[0] === inner) return this.variable(i, end, inner, quoted);
      return asIs(end, t.slice(i, end));
    }
    if (n === '{') {
      const end = this.matching(i + 1, '{', '}');
      const body = t.slice(i + 2, end - 1);
      const m = NAME.exec(body) ?? SPECIAL.exec(body);
      if (!m) return asIs(end, body);
      const name = m[0];
      const rest = body.slice(name.length);
      if (!rest) return this.variable(i, end, name, quoted);
      const op = /^(:?[-=?+])/.exec(rest);
      if (!op) return asIs(end, name);
      // Defaults nested without bound would cost quadratic time (and stack): past a few levels, opaque.
      if (this.nesting >= MAX_NESTING) return asIs(end, name);
      const wordStart = i + 2 + name.length + op[1].length;
      const known = this.vars.get(name);
      const colon = op[1].startsWith(':');
      const set = known !== undefined && (!colon || known.text !== '');
      const kind = op[1].slice(-1);
      if (kind === '+') return set ? { piece: this.sub(wordStart, end - 1), next: end } : { piece: empty(), next: end };
      if (set) return this.variable(i, end, name, quoted);
      if (kind === '?') return asIs(end, name);
      const piece = this.sub(wordStart, end - 1);
      piece.envDefaults = [...piece.envDefaults, `${name}=${piece.chars.join('')}`];
      if (kind === '=') this.vars.set(name, { text: piece.chars.join(''), pos: piece.pos, isDefault: true, unresolved: piece.unresolved });
      return { piece, next: end };
    }
    const m = NAME.exec(t.slice(i + 1, i + 200)) ?? SPECIAL.exec(t.slice(i + 1, i + 2));
    if (!m) return undefined;
    return this.variable(i, i + 1 + m[0].length, m[0], quoted);
  }

  private variable(i: number, end: number, name: string, _quoted: boolean): { piece: Piece; next: number } {
    const v = this.vars.get(name);
    if (!v) {
      return { piece: { chars: [...this.t.slice(i, end)], pos: this.seg.pos.slice(i, end), unresolved: [name], envDefaults: [], opaque: true }, next: end };
    }
    const ref = this.span(i, end);
    const pos = [...v.text].map((_, k) => v.pos?.[k] ?? ref);
    const envDefaults = [...(v.envDefaults ?? [])];
    if (v.isDefault && !envDefaults.some((e) => e.startsWith(name + '='))) envDefaults.push(`${name}=${v.text}`);
    return { piece: { chars: [...v.text], pos, unresolved: [...(v.unresolved ?? [])], envDefaults, opaque: false }, next: end };
  }

  /** The default word of `${X:-word}`: quotes removed, expansions done, no splitting. */
  private sub(a: number, b: number): Piece {
    const inner = new Tokenizer({ text: this.t.slice(a, b), pos: this.seg.pos.slice(a, b), end: this.p(b) }, { ...this.o, mode: 'word', vars: this.vars }, this.nesting + 1);
    const words = inner.defaultWord();
    return words;
  }

  private defaultWord(): Piece {
    const t = this.t;
    const out: Piece = { chars: [], pos: [], unresolved: [], envDefaults: [], opaque: false };
    let q: string | undefined;
    for (let i = 0; i < t.length;) {
      const c = t[i];
      if (q === "'" ? c === "'" : (c === "'" || c === '"') && (!q || q === c)) { q = q ? undefined : c; i++; continue }
      if (q !== "'" && c === '\\' && i + 1 < t.length) { out.chars.push(t[i + 1]); out.pos.push(this.p(i + 1)); i += 2; continue }
      if (q !== "'" && (c === '$' || c === '`')) {
        const r = this.dollar(i, true);
        if (r) {
          out.chars.push(...r.piece.chars); out.pos.push(...r.piece.pos);
          out.unresolved.push(...r.piece.unresolved); out.envDefaults.push(...r.piece.envDefaults);
          i = r.next; continue;
        }
      }
      out.chars.push(c); out.pos.push(this.p(i)); i++;
    }
    return out;
  }

  /** Index after the bracket matching the one at `i`. */
  private matching(i: number, open: string, close: string): number {
    const t = this.t;
    let depth = 0;
    for (let k = i; k < t.length; k++) {
      const c = t[k];
      if (c === '\\') { k++; continue }
      if (c === "'" && open === '(') { const j = t.indexOf("'", k + 1); if (j > 0) k = j; continue }
      if (c === open) depth++;
      else if (c === close && --depth === 0) return k + 1;
    }
    return t.length;
  }
}

function empty(): Piece { return { chars: [], pos: [], unresolved: [], envDefaults: [], opaque: false } }
