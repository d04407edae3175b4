/** tree-sitter Python → IR (see ir.ts). Unknown syntax becomes `opaque`, never an exception. */
import type { Node, Tree } from './python';
import { toRange, type Expr, type ModuleIR, type Param, type Span, type Stmt } from './ir';
import type { Range } from '../model/types';

const CALL_METHODS = new Set(['delay', 'apply_async', 'send_task', 's', 'si', 'signature', 'set', 'add_periodic_task', 'map', 'starmap', 'chunks']);
/** signature('name'), and the canvas constructors (model/canvas.ts decides whether they are Celery's). */
const CALL_FUNCTIONS = new Set(['signature', 'Signature', 'group', 'chain', 'chord']);
/** `chord(header)(body)`, `group(...)()`, `(a.s() | b.s())()`: a call of a canvas sends it. */
const sendsCanvas = (fn: Expr) => (fn.t === 'call' && fn.fn.t === 'name' && CALL_FUNCTIONS.has(fn.fn.id)) || (fn.t === 'binop' && fn.op === '|');
/** The span of a missing piece of syntax (frozen: never moved when statements shift). */
const NO_SPAN: Span = Object.freeze([0, 0, 0, 0] as const);
/** Deeply nested literals must not blow the JS stack. */
const MAX_DEPTH = 200;
/** Nested blocks (if / def / class / for / try / with / while): Python itself stops at 100 indentation levels. */
const MAX_BLOCK_DEPTH = 100;

export function spanOf(n: Node): Span {
  const s = n.startPosition, e = n.endPosition;
  return [s.row, s.column, e.row, e.column];
}

export function lowerModule(tree: Tree): ModuleIR {
  const root = tree.rootNode;
  const calls: Expr[] = [];
  const ctx: Ctx = { calls, depth: 0, blocks: 0 };
  const body = lowerBlock(root, ctx);
  return { body, calls, errors: root.hasError ? collectErrors(root) : [], lines: root.endPosition.row + 1 };
}

/** One top-level statement's IR and the call sites inside it. */
export interface Lowered { stmts: Stmt[]; calls: Expr[] }

export function lowerTopLevel(n: Node): Lowered {
  const ctx: Ctx = { calls: [], depth: 0, blocks: 0 };
  const stmts: Stmt[] = [];
  lowerStmt(n, ctx, stmts);
  return { stmts, calls: ctx.calls };
}

/** A copy of a statement's IR moved down (or up) by `delta` lines, keeping shared nodes shared. */
export function shiftStatement(e: Lowered, delta: number): Lowered {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown, key?: string): unknown => {
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
    const hit = seen.get(v);
    if (hit) return hit;
    if (key === 'r' || key === 'nameR') {
      const s = v as Span;
      const moved: Span = [s[0] + delta, s[1], s[2] + delta, s[3]];
      seen.set(v, moved);
      return moved;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(copy(x));
      return out;
    }
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k in o) out[k] = copy(o[k], k);
    return out;
  };
  return { stmts: copy(e.stmts) as Stmt[], calls: copy(e.calls) as Expr[] };
}

interface Ctx { calls: Expr[]; depth: number; blocks: number }

/** Syntax errors, in document order (iterative: error trees can be arbitrarily deep). */
export function collectErrors(root: Node): Range[] {
  const out: Range[] = [];
  const stack: Node[] = [root];
  while (stack.length && out.length <= 50) {
    const n = stack.pop()!;
    if (n.type === 'ERROR' || n.isMissing) { out.push(toRange(spanOf(n))); continue; }
    if (!n.hasError) continue;
    const cs = n.children;
    for (let i = cs.length - 1; i >= 0; i--) { const c = cs[i]; if (c) stack.push(c); }
  }
  return out;
}

function lowerBlock(block: Node, ctx: Ctx): Stmt[] {
  const out: Stmt[] = [];
  if (ctx.blocks >= MAX_BLOCK_DEPTH) {
    // Deeper than Python allows: no statements, but the calls are still call sites.
    scanCalls(block, ctx);
    return out;
  }
  ctx.blocks++;
  try {
    for (const c of block.namedChildren) if (c) lowerStmt(c, ctx, out);
  } finally {
    ctx.blocks--;
  }
  return out;
}

function lowerStmt(n: Node, ctx: Ctx, out: Stmt[]): void {
  const r = spanOf(n);
  switch (n.type) {
    case 'expression_statement': {
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'assignment') lowerAssign(c, ctx, out);
        else if (c.type === 'augmented_assignment') {
          const op = c.childForFieldName('operator')?.text.replace('=', '') ?? '+';
          out.push({ s: 'assign', target: expr(c.childForFieldName('left'), ctx), value: expr(c.childForFieldName('right'), ctx), op, r });
        } else out.push({ s: 'expr', e: expr(c, ctx), r });
      }
      return;
    }
    case 'import_from_statement': {
      const modNode = n.childForFieldName('module_name');
      let level = 0;
      let module = '';
      if (modNode?.type === 'relative_import') {
        for (const c of modNode.children) {
          if (c?.type === 'import_prefix') level = c.text.length;
          else if (c?.type === 'dotted_name') module = c.text;
        }
      } else if (modNode) module = modNode.text;
      if (n.namedChildren.some((c) => c?.type === 'wildcard_import')) {
        out.push({ s: 'import', module, level, names: '*', r });
        return;
      }
      const names: Array<{ name: string; as?: string }> = [];
      for (const c of n.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          names.push({ name: c.childForFieldName('name')?.text ?? '', as: c.childForFieldName('alias')?.text });
        } else names.push({ name: c.text });
      }
      out.push({ s: 'import', module, level, names, r });
      return;
    }
    case 'import_statement': {
      for (const c of n.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') out.push({ s: 'importmod', module: c.childForFieldName('name')?.text ?? '', as: c.childForFieldName('alias')?.text, r });
        else out.push({ s: 'importmod', module: c.text, r });
      }
      return;
    }
    case 'decorated_definition': {
      const decorators = n.namedChildren.filter((c): c is Node => c?.type === 'decorator').map((d) => expr(d.namedChildren[0] ?? null, ctx));
      const def = n.childForFieldName('definition');
      if (def) {
        const inner: Stmt[] = [];
        lowerStmt(def, ctx, inner);
        for (const s of inner) {
          if (s.s === 'def' || s.s === 'class') { s.decorators = decorators; s.r = r; }
          out.push(s);
        }
      }
      return;
    }
    case 'function_definition': {
      const nameN = n.childForFieldName('name');
      const params: string[] = [];
      const sig: Param[] = [];
      let kwonly = false;
      for (const p of n.childForFieldName('parameters')?.namedChildren ?? []) {
        if (!p) continue;
        if (p.type === 'keyword_separator') { kwonly = true; continue; }
        if (p.type === 'positional_separator' || p.type === 'comment') continue;
        const id = p.type === 'identifier' ? p : p.childForFieldName('name') ?? p.namedChildren.find((c) => c?.type === 'identifier');
        if (!id) continue;
        params.push(id.text);
        if (p.type === 'list_splat_pattern' || (p.type === 'typed_parameter' && p.text.startsWith('*') && !p.text.startsWith('**'))) { sig.push({ name: id.text, kind: 'star' }); kwonly = true; }
        else if (p.type === 'dictionary_splat_pattern' || (p.type === 'typed_parameter' && p.text.startsWith('**'))) sig.push({ name: id.text, kind: 'dstar' });
        else {
          const hasDefault = p.type === 'default_parameter' || p.type === 'typed_default_parameter';
          const dv = hasDefault ? p.childForFieldName('value') : null;
          sig.push({ name: id.text, kind: kwonly ? (hasDefault ? 'kwonly-default' : 'kwonly') : hasDefault ? 'pos-default' : 'pos', ...(dv ? { d: expr(dv, ctx) } : {}) });
        }
      }
      const body = n.childForFieldName('body');
      out.push({ s: 'def', name: nameN?.text ?? '', params, sig, decorators: [], body: body ? lowerBlock(body, ctx) : [], nameR: nameN ? spanOf(nameN) : r, r });
      return;
    }
    case 'class_definition': {
      const nameN = n.childForFieldName('name');
      const bases = (n.childForFieldName('superclasses')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type !== 'keyword_argument').map((c) => expr(c, ctx));
      const body = n.childForFieldName('body');
      out.push({ s: 'class', name: nameN?.text ?? '', bases, decorators: [], body: body ? lowerBlock(body, ctx) : [], nameR: nameN ? spanOf(nameN) : r, r });
      return;
    }
    case 'return_statement': {
      const e = n.namedChildren[0];
      out.push({ s: 'return', e: e ? expr(e, ctx) : null, r });
      return;
    }
    case 'if_statement': {
      out.push(lowerIf(n, ctx));
      return;
    }
    case 'try_statement': {
      // try body is the primary branch; except / else arms are alternatives.
      const body = n.childForFieldName('body');
      const alts: Stmt[] = [];
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'except_clause' || c.type === 'else_clause') {
          const blk = c.namedChildren.find((x) => x?.type === 'block');
          if (blk) alts.push(...lowerBlock(blk, ctx));
        } else if (c.type === 'finally_clause') {
          const blk = c.namedChildren.find((x) => x?.type === 'block');
          if (blk) out.push(...lowerBlock(blk, ctx));
        }
      }
      out.push({ s: 'if', test: { t: 'opaque', text: 'try', r }, body: body ? lowerBlock(body, ctx) : [], orelse: alts, r });
      return;
    }
    case 'for_statement': {
      const body = n.childForFieldName('body');
      out.push({ s: 'for', target: expr(n.childForFieldName('left'), ctx), iter: expr(n.childForFieldName('right'), ctx), body: body ? lowerBlock(body, ctx) : [], r });
      return;
    }
    case 'with_statement':
    case 'while_statement': {
      const body = n.childForFieldName('body');
      if (body) out.push(...lowerBlock(body, ctx));
      return;
    }
    default:
      // Other statements carry no routing facts, but their calls are still call sites.
      scanCalls(n, ctx);
  }
}

function lowerIf(n: Node, ctx: Ctx): Stmt {
  const test = expr(n.childForFieldName('condition'), ctx);
  const cons = n.childForFieldName('consequence');
  const body = cons ? lowerBlock(cons, ctx) : [];
  const alts = n.childrenForFieldName('alternative').filter((c): c is Node => !!c);
  let orelse: Stmt[] = [];
  // elif chains become nested ifs.
  for (let i = alts.length - 1; i >= 0; i--) {
    const a = alts[i];
    if (a.type === 'else_clause') {
      const b = a.childForFieldName('body');
      orelse = b ? lowerBlock(b, ctx) : [];
    } else if (a.type === 'elif_clause') {
      const b = a.childForFieldName('consequence');
      orelse = [{ s: 'if', test: expr(a.childForFieldName('condition'), ctx), body: b ? lowerBlock(b, ctx) : [], orelse, r: spanOf(a) }];
    }
  }
  return { s: 'if', test, body, orelse, r: spanOf(n) };
}

function lowerAssign(n: Node, ctx: Ctx, out: Stmt[]): void {
  const left = n.childForFieldName('left');
  let right = n.childForFieldName('right');
  const r = spanOf(n);
  if (!right) return; // annotation only
  // chained assignment a = b = value
  const targets = [left];
  while (right && right.type === 'assignment') {
    targets.push(right.childForFieldName('left'));
    right = right.childForFieldName('right');
  }
  const value = expr(right, ctx);
  for (const t of targets) if (t) out.push({ s: 'assign', target: expr(t, ctx), value, r });
}

/** Every outermost call below `n`, in document order (iterative: `lambda: lambda: ...` nests without bound). */
function scanCalls(root: Node, ctx: Ctx): void {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'call') { expr(n, ctx); continue; }
    const cs = n.namedChildren;
    for (let i = cs.length - 1; i >= 0; i--) { const c = cs[i]; if (c) stack.push(c); }
  }
}

/** A plain (not f-) string literal's prefix and opening quote(s). */
const PLAIN_LITERAL = /^([rRuUbB]{0,2})('''|"""|'|")/;

function unquote(n: Node): { parts: Array<string | Expr>; isF: boolean; bytes: boolean } {
  // Most strings are plain literals: read them from the node's text in JS instead of visiting their
  // children through wasm (a third of the lowering of a settings module went there).
  const text = n.text;
  const m = PLAIN_LITERAL.exec(text);
  if (m && text.length >= m[0].length + m[2].length && text.endsWith(m[2])) {
    const content = text.slice(m[0].length, text.length - m[2].length);
    const raw = /r/i.test(m[1]);
    return { parts: content ? [raw || !content.includes('\\') ? content : unescape(content)] : [], isF: false, bytes: /b/i.test(m[1]) };
  }
  const parts: Array<string | Expr> = [];

  const start = n.children.find((c) => c?.type === 'string_start')?.text ?? '';
  const prefix = start.replace(/['"]+$/, '').toLowerCase();
  const raw = prefix.includes('r');
  const isF = prefix.includes('f');
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === 'string_content') parts.push(raw ? c.text : unescape(c.text));
    else if (c.type === 'escape_sequence') parts.push(raw ? c.text : unescape(c.text));
    else if (c.type === 'interpolation') {
      const e = c.childForFieldName('expression');
      parts.push(e ? exprFrom(e) : { t: 'opaque', text: c.text, r: spanOf(c) });
    }
  }
  return { parts, isF, bytes: prefix.includes('b') };
}

let exprCtx: Ctx = { calls: [], depth: 0, blocks: 0 };
function exprFrom(n: Node): Expr { return expr(n, exprCtx); }

function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.|\n)/g, (m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '\\': return '\\';
      case "'": return "'";
      case '"': return '"';
      case '\n': return '';
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': return String.fromCharCode(parseInt(e, 8));
      case 'x': case 'u': case 'U': {
        // `\U` alone, or beyond U+10FFFF, is a syntax error in Python: keep the text as written.
        const cp = e.length > 1 ? parseInt(e.slice(1), 16) : NaN;
        return cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
      default: return m;
    }
  });
}

function expr(n: Node | null, ctx: Ctx): Expr {
  if (!n) return { t: 'opaque', text: '', r: NO_SPAN };
  const r = spanOf(n);
  if (ctx.depth > MAX_DEPTH) return { t: 'opaque', text: 'too deeply nested', r };
  ctx.depth++;
  exprCtx = ctx;
  try {
    return exprInner(n, ctx, r);
  } finally {
    ctx.depth--;
  }
}

function exprInner(n: Node, ctx: Ctx, r: Span): Expr {
  switch (n.type) {
    case 'string': {
      const { parts, isF } = unquote(n);
      if (!isF || parts.every((p) => typeof p === 'string')) return { t: 'str', v: parts.join(''), r };
      return { t: 'fstr', parts, r };
    }
    case 'concatenated_string': {
      const all: Array<string | Expr> = [];
      for (const c of n.namedChildren) if (c?.type === 'string') all.push(...unquote(c).parts);
      if (all.every((p) => typeof p === 'string')) return { t: 'str', v: all.join(''), r };
      return { t: 'fstr', parts: all, r };
    }
    case 'integer': {
      const v = Number(n.text.replace(/_/g, '').replace(/[lL]$/, ''));
      return Number.isFinite(v) ? { t: 'num', v, r } : { t: 'opaque', text: n.text, r };
    }
    case 'float': return { t: 'num', v: Number(n.text.replace(/_/g, '')), r };
    case 'true': return { t: 'bool', v: true, r };
    case 'false': return { t: 'bool', v: false, r };
    case 'none': return { t: 'none', r };
    case 'identifier': return { t: 'name', id: n.text, r };
    case 'attribute': {
      const obj = expr(n.childForFieldName('object'), ctx);
      return { t: 'attr', obj, name: n.childForFieldName('attribute')?.text ?? '', r };
    }
    case 'parenthesized_expression': {
      const inner = n.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? expr(inner, ctx) : { t: 'tuple', items: [], r };
    }
    case 'call': {
      const fn = expr(n.childForFieldName('function'), ctx);
      const argsN = n.childForFieldName('arguments');
      const args: Expr[] = [];
      const kwargs: Array<{ name: string | null; value: Expr }> = [];
      if (argsN?.type === 'generator_expression') args.push({ t: 'opaque', text: argsN.text.slice(0, 200), r: spanOf(argsN) });
      else for (const a of argsN?.namedChildren ?? []) {
        if (!a || a.type === 'comment') continue;
        if (a.type === 'keyword_argument') kwargs.push({ name: a.childForFieldName('name')?.text ?? '', value: expr(a.childForFieldName('value'), ctx) });
        else if (a.type === 'dictionary_splat') kwargs.push({ name: null, value: expr(a.namedChildren[0] ?? null, ctx) });
        else if (a.type === 'list_splat') args.push({ t: 'star', e: expr(a.namedChildren[0] ?? null, ctx), r: spanOf(a) });
        else args.push(expr(a, ctx));
      }
      const call: Expr = { t: 'call', fn, args, kwargs, r };
      if ((fn.t === 'attr' && CALL_METHODS.has(fn.name)) || (fn.t === 'name' && CALL_FUNCTIONS.has(fn.id)) || sendsCanvas(fn)) ctx.calls.push(call);
      return call;
    }
    case 'list': case 'tuple': case 'set': case 'expression_list': {
      const items = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) =>
        c.type === 'list_splat' ? { t: 'star' as const, e: expr(c.namedChildren[0] ?? null, ctx), r: spanOf(c) } : expr(c, ctx));
      return { t: n.type === 'expression_list' ? 'tuple' : (n.type as 'list' | 'tuple' | 'set'), items, r };
    }
    case 'dictionary': {
      const entries: Array<{ k: Expr | null; v: Expr }> = [];
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'pair') entries.push({ k: expr(c.childForFieldName('key'), ctx), v: expr(c.childForFieldName('value'), ctx) });
        else if (c.type === 'dictionary_splat') entries.push({ k: null, v: expr(c.namedChildren[0] ?? null, ctx) });
      }
      return { t: 'dict', entries, r };
    }
    case 'binary_operator': {
      return { t: 'binop', op: n.childForFieldName('operator')?.text ?? '?', l: expr(n.childForFieldName('left'), ctx), rgt: expr(n.childForFieldName('right'), ctx), r };
    }
    case 'subscript': {
      return { t: 'subscript', obj: expr(n.childForFieldName('value'), ctx), index: expr(n.childForFieldName('subscript'), ctx), r };
    }
    case 'conditional_expression': {
      const [a, test, b] = n.namedChildren;
      return { t: 'cond', a: expr(a ?? null, ctx), test: expr(test ?? null, ctx), b: expr(b ?? null, ctx), r };
    }
    case 'comparison_operator': {
      const ops = n.children.filter((c) => c && !c.isNamed).map((c) => c!.text).join(' ');
      const [l, rgt] = n.namedChildren;
      return { t: 'compare', op: ops, l: expr(l ?? null, ctx), rgt: expr(rgt ?? null, ctx), r };
    }
    case 'boolean_operator': {
      const op = n.childForFieldName('operator')?.text === 'and' ? 'and' : 'or';
      return { t: 'bool_op', op, args: [expr(n.childForFieldName('left'), ctx), expr(n.childForFieldName('right'), ctx)], r };
    }
    case 'not_operator': return { t: 'bool_op', op: 'not', args: [expr(n.childForFieldName('argument'), ctx)], r };
    case 'unary_operator': {
      const e = expr(n.childForFieldName('argument'), ctx);
      if (e.t === 'num' && n.text.startsWith('-')) return { t: 'num', v: -e.v, r };
      return e.t === 'num' ? e : { t: 'opaque', text: n.text.slice(0, 200), r };
    }
    case 'keyword_argument': return expr(n.childForFieldName('value'), ctx);
    default:
      scanCalls(n, ctx);
      return { t: 'opaque', text: n.text.slice(0, 200), r };
  }
}
