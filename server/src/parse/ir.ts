/**
 * A small, tree-free representation of the Python we care about: module-level statements (with class and
 * function bodies), expressions, and every call site. Built once per file version; the tree-sitter tree can
 * then be freed. Ranges are zero-based (line, UTF-16 character).
 */
import type { Range } from '../model/types';

export type Expr =
  | { t: 'str'; v: string; r: Range }
  | { t: 'fstr'; parts: Array<string | Expr>; r: Range }
  | { t: 'num'; v: number; r: Range }
  | { t: 'bool'; v: boolean; r: Range }
  | { t: 'none'; r: Range }
  | { t: 'name'; id: string; r: Range }
  | { t: 'attr'; obj: Expr; name: string; r: Range }
  | { t: 'call'; fn: Expr; args: Expr[]; kwargs: Array<{ name: string | null; value: Expr }>; r: Range }
  | { t: 'list' | 'tuple' | 'set'; items: Expr[]; r: Range }
  | { t: 'star'; e: Expr; r: Range }
  | { t: 'dict'; entries: Array<{ k: Expr | null; v: Expr }>; r: Range }
  | { t: 'binop'; op: string; l: Expr; rgt: Expr; r: Range }
  | { t: 'subscript'; obj: Expr; index: Expr; r: Range }
  | { t: 'cond'; a: Expr; test: Expr; b: Expr; r: Range }
  | { t: 'compare'; op: string; l: Expr; rgt: Expr; r: Range }
  | { t: 'bool_op'; op: 'and' | 'or' | 'not'; args: Expr[]; r: Range }
  | { t: 'opaque'; text: string; r: Range };

export type Stmt =
  | { s: 'assign'; target: Expr; value: Expr; op?: string; r: Range }
  | { s: 'expr'; e: Expr; r: Range }
  | { s: 'import'; module: string; level: number; names: Array<{ name: string; as?: string }> | '*'; r: Range }
  /** `import a.b as c` */
  | { s: 'importmod'; module: string; as?: string; r: Range }
  | { s: 'class'; name: string; bases: Expr[]; body: Stmt[]; decorators: Expr[]; nameR: Range; r: Range }
  | { s: 'def'; name: string; params: string[]; sig: Param[]; decorators: Expr[]; body: Stmt[]; nameR: Range; r: Range }
  | { s: 'return'; e: Expr | null; r: Range }
  | { s: 'if'; test: Expr; body: Stmt[]; orelse: Stmt[]; r: Range }
  | { s: 'for'; target: Expr; iter: Expr; body: Stmt[]; r: Range };

/** A function parameter, enough to check call arguments the way Python binds them. */
export interface Param { name: string; kind: 'pos' | 'pos-default' | 'star' | 'kwonly' | 'kwonly-default' | 'dstar' }

export interface ModuleIR {
  body: Stmt[];
  /** Every call expression of the file whose callee is an attribute or name (for call sites). */
  calls: Expr[];
  /** Ranges of ERROR / MISSING nodes. */
  errors: Range[];
  /** Line count, for diagnostics at end of file. */
  lines: number;
}
