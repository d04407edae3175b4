/**
 * Keystroke-speed lowering of an open buffer. The module is a list of top-level statement spans with their
 * IR; after an edit only the statements inside the edited region (widened by tree-sitter's changed ranges)
 * are lowered again from the new tree. Statements before it are kept as they are, statements after it are
 * kept too — shifted by the edit's length, and copied with new line numbers only when lines were added or
 * removed. Walking every top-level node through wasm is what this avoids.
 */
import type { Edit, Parser, Tree } from 'web-tree-sitter';
import { parsePython } from './python';
import type { Expr, ModuleIR, Stmt } from './ir';
import { collectErrors, lowerTopLevel, shiftStatement, type Lowered } from './lower';

/** What may follow a statement on its line for it to be the whole line: blanks and a comment. */
const REST_OF_LINE = /^[ \t\f]*(#[^\r\n]*)?\r?\n?$/;

interface TopLevel { start: number; end: number; row: number; ir: Lowered }

export class IncrementalModule {
  private spans: TopLevel[] = [];

  /** Lower the whole tree (first version of a buffer). */
  reset(tree: Tree): ModuleIR {
    this.spans = lowerAll(tree);
    return this.ir(tree);
  }

  /** The IR after `edit` turned `old` into `tree` (both still alive). */
  update(old: Tree, tree: Tree, edit: Edit): ModuleIR {
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const rows = edit.newEndPosition.row - edit.oldEndPosition.row;
    // The region to lower again, in new coordinates: the edit plus every range whose syntax changed.
    let from = edit.startIndex;
    let to = edit.newEndIndex;
    for (const r of old.getChangedRanges(tree)) { from = Math.min(from, r.startIndex); to = Math.max(to, r.endIndex); }
    const before: TopLevel[] = [];
    const after: TopLevel[] = [];
    for (const s of this.spans) {
      if (s.end < from && s.end <= edit.startIndex) before.push(s);
      // (a statement that starts on the edit's last line moves sideways too: lower it again)
      else if (s.start >= edit.oldEndIndex && s.start + delta > to && s.row !== edit.oldEndPosition.row) after.push(s);
      else { from = Math.min(from, s.start); to = Math.max(to, s.end + delta); }
    }
    const fresh = lowerRange(tree, from, to);
    // A new statement may have swallowed neighbours (an opened bracket): drop what it covers.
    const lo = fresh.length ? fresh[0].start : from;
    const hi = fresh.length ? fresh[fresh.length - 1].end : to;
    const kept = before.filter((s) => s.end <= lo);
    const moved = after.map((s) => shifted(s, delta, rows)).filter((s) => s.start >= hi);
    // Trust but verify: the first and last kept-after statements must still be top-level nodes as they were;
    // if tree-sitter regrouped more than it reported (an unclosed string), lower the rest of the file.
    const same = (sp: TopLevel | undefined) => {
      if (!sp) return true;
      const n = tree.rootNode.firstNamedChildForIndex(sp.start);
      return !!n && n.startIndex === sp.start && n.endIndex === sp.end;
    };
    this.spans = same(moved[0]) && same(moved[moved.length - 1])
      ? [...kept, ...fresh, ...moved]
      : [...kept, ...lowerAll(tree).filter((sp) => sp.end > lo)];
    return this.ir(tree);
  }

  /**
   * The IR after an edit inside one whole-line top-level statement, without reparsing the file: the
   * statement's new text is parsed alone (a top-level statement at column 0 parses the same alone as in its
   * module) and the statements after it shift. Reparsing a 5,000-statement module costs O(statements) even
   * incrementally (the module node is rebuilt); this costs the statement. Undefined when the edit is not of
   * that shape or the statement alone does not parse cleanly into one statement: the caller reparses.
   */
  updateStatement(parser: Parser, oldText: string, text: string, edit: Edit, lines: number): ModuleIR | undefined {
    const i = this.spans.findIndex((sp) => sp.start <= edit.startIndex && edit.oldEndIndex <= sp.end);
    if (i < 0) return undefined;
    const sp = this.spans[i];
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const end = sp.end + delta;
    const wholeLines = (t: string, a: number, b: number) => (a === 0 || t.charCodeAt(a - 1) === 10) && REST_OF_LINE.test(t.slice(b, t.indexOf('\n', b) + 1 || t.length));
    if (!wholeLines(oldText, sp.start, sp.end) || !wholeLines(text, sp.start, end)) return undefined;
    const tree = parsePython(parser, text.slice(sp.start, end));
    try {
      const root = tree.rootNode;
      const nodes = root.namedChildren.filter((n) => n && n.type !== 'comment');
      if (root.hasError || nodes.length !== 1 || nodes[0]!.startIndex !== 0 || nodes[0]!.endIndex !== end - sp.start) return undefined;
      const rows = edit.newEndPosition.row - edit.oldEndPosition.row;
      const lowered = lowerTopLevel(nodes[0]!);
      this.spans = [
        ...this.spans.slice(0, i),
        { start: sp.start, end, row: sp.row, ir: sp.row ? shiftStatement(lowered, sp.row) : lowered },
        ...this.spans.slice(i + 1).map((s) => shifted(s, delta, rows)),
      ];
      return { ...this.joined(), errors: [], lines: lines + rows };
    } finally {
      tree.delete();
    }
  }

  /** Every statement and call of the module, in order. */
  private joined(): { body: Stmt[]; calls: Expr[] } {
    const body: Stmt[] = [];
    const calls: Expr[] = [];
    for (const s of this.spans) { body.push(...s.ir.stmts); calls.push(...s.ir.calls); }
    return { body, calls };
  }

  private ir(tree: Tree): ModuleIR {
    const { body, calls } = this.joined();
    const root = tree.rootNode;
    const errors = root.hasError ? collectErrors(root) : [];
    return { body, calls, errors, lines: root.endPosition.row + 1 };
  }
}

/** A statement after an edit: moved by `delta` characters and `rows` lines. */
function shifted(s: TopLevel, delta: number, rows: number): TopLevel {
  return { start: s.start + delta, end: s.end + delta, row: s.row + rows, ir: rows ? shiftStatement(s.ir, rows) : s.ir };
}

/** Every top-level statement (one call hands over all top-level nodes: fast even on broken trees). */
function lowerAll(tree: Tree): TopLevel[] {
  const out: TopLevel[] = [];
  for (const n of tree.rootNode.namedChildren) {
    if (!n || n.type === 'comment') continue;
    out.push({ start: n.startIndex, end: n.endIndex, row: n.startPosition.row, ir: lowerTopLevel(n) });
  }
  return out;
}

/** The top-level statements overlapping [from, to): found by index, then the few siblings in the region. */
function lowerRange(tree: Tree, from: number, to: number): TopLevel[] {
  const out: TopLevel[] = [];
  let n = from > 0 ? tree.rootNode.firstNamedChildForIndex(from) : tree.rootNode.firstNamedChild;
  for (let i = 0; n && n.startIndex < to; n = n.nextNamedSibling, i++) {
    if (i > 200) return lowerAll(tree).filter((sp) => sp.end > from && sp.start < to); // a large region: one call
    if (n.type === 'comment') continue;
    out.push({ start: n.startIndex, end: n.endIndex, row: n.startPosition.row, ir: lowerTopLevel(n) });
  }
  return out;
}
