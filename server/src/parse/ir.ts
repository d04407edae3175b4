/**
 * A small, tree-free representation of the Python we care about: module-level statements (with class and
 * function bodies), expressions, and every call site. Built once per file version; the tree-sitter tree can
 * then be freed. Positions are zero-based (line, UTF-16 character).
 */
import type { Range } from '../model/types';

/**
 * Where a node is: start line, start character, end line, end character. A tuple rather than an LSP Range
 * (three objects): a module's IR holds one per node, and the index copies the worker's IR between threads —
 * ranges were half the objects to clone and to collect.
 */
export type Span = readonly [number, number, number, number];

/** The LSP range of a span. */
export function toRange(s: Span): Range {
  return { start: { line: s[0], character: s[1] }, end: { line: s[2], character: s[3] } };
}

/** Whether `inner` lies within `outer`. */
export function spanWithin(inner: Span, outer: Span): boolean {
  const le = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 <= c2);
  return le(outer[0], outer[1], inner[0], inner[1]) && le(inner[2], inner[3], outer[2], outer[3]);
}

export type Expr =
  | { t: 'str'; v: string; r: Span }
  | { t: 'fstr'; parts: Array<string | Expr>; r: Span }
  | { t: 'num'; v: number; r: Span }
  | { t: 'bool'; v: boolean; r: Span }
  | { t: 'none'; r: Span }
  | { t: 'name'; id: string; r: Span }
  | { t: 'attr'; obj: Expr; name: string; r: Span }
  | { t: 'call'; fn: Expr; args: Expr[]; kwargs: Array<{ name: string | null; value: Expr }>; r: Span }
  | { t: 'list' | 'tuple' | 'set'; items: Expr[]; r: Span }
  | { t: 'star'; e: Expr; r: Span }
  | { t: 'dict'; entries: Array<{ k: Expr | null; v: Expr }>; r: Span }
  | { t: 'binop'; op: string; l: Expr; rgt: Expr; r: Span }
  | { t: 'subscript'; obj: Expr; index: Expr; r: Span }
  | { t: 'cond'; a: Expr; test: Expr; b: Expr; r: Span }
  | { t: 'compare'; op: string; l: Expr; rgt: Expr; r: Span }
  | { t: 'bool_op'; op: 'and' | 'or' | 'not'; args: Expr[]; r: Span }
  | { t: 'opaque'; text: string; r: Span };

export type Stmt =
  | { s: 'assign'; target: Expr; value: Expr; op?: string; r: Span }
  | { s: 'expr'; e: Expr; r: Span }
  | { s: 'import'; module: string; level: number; names: Array<{ name: string; as?: string }> | '*'; r: Span }
  /** `import a.b as c` */
  | { s: 'importmod'; module: string; as?: string; r: Span }
  | { s: 'class'; name: string; bases: Expr[]; body: Stmt[]; decorators: Expr[]; nameR: Span; r: Span }
  | { s: 'def'; name: string; params: string[]; sig: Param[]; decorators: Expr[]; body: Stmt[]; nameR: Span; r: Span }
  | { s: 'return'; e: Expr | null; r: Span }
  | { s: 'if'; test: Expr; body: Stmt[]; orelse: Stmt[]; r: Span }
  | { s: 'for'; target: Expr; iter: Expr; body: Stmt[]; r: Span };

/** A function parameter, enough to check call arguments the way Python binds them. */
export interface Param {
  name: string;
  kind: 'pos' | 'pos-default' | 'star' | 'kwonly' | 'kwonly-default' | 'dstar';
  /** The default value's expression (what a caller that does not pass the parameter gets). */
  d?: Expr;
}

export interface ModuleIR {
  body: Stmt[];
  /** Every call expression of the file whose callee is an attribute or name (for call sites). */
  calls: Expr[];
  /** Ranges of ERROR / MISSING nodes. */
  errors: Range[];
  /** Line count, for diagnostics at end of file. */
  lines: number;
}
