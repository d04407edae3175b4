/**
 * tree-sitter-python, loaded once. The wasm files sit next to the bundle in dist/ (shipped in the .vsix);
 * in tests they are resolved from node_modules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, Language, type Tree, type Node } from 'web-tree-sitter';

export type { Tree, Node };

let ready: Promise<Parser> | undefined;

function locate(file: string, pkg: string): string {
  const beside = join(__dirname, file);
  if (existsSync(beside)) return beside;
  return require.resolve(`${pkg}/${file}`);
}

/** The shared parser (tree-sitter parsers are cheap to reuse, expensive to create). */
export function pythonParser(): Promise<Parser> {
  ready ??= (async () => {
    const coreWasm = locate('web-tree-sitter.wasm', 'web-tree-sitter');
    await Parser.init({ locateFile: () => coreWasm });
    const lang = await Language.load(locate('tree-sitter-python.wasm', 'tree-sitter-python'));
    const parser = new Parser();
    parser.setLanguage(lang);
    return parser;
  })();
  return ready;
}

/** Parse Python source. Positions are zero-based rows and UTF-16 columns (as LSP). */
export function parsePython(parser: Parser, text: string, old?: Tree): Tree {
  const safe = limitIndentation(text);
  const tree = parser.parse(safe, safe === text ? old ?? null : null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/**
 * Distinct indentation widths a file may use before the deeper lines are blanked. tree-sitter-python's
 * scanner serializes its indent stack into a 1024-byte buffer and writes one byte past it when the stack
 * holds about 510 levels (with a string open): the wasm heap is corrupted and every later parse fails with
 * "memory access out of bounds". The stack can never hold more entries than there are distinct widths, so
 * keeping at most this many (Python itself refuses more than 100 levels) keeps it far below the limit.
 */
export const MAX_INDENT_WIDTHS = 200;

/**
 * The text with every line (not blank) whose indentation is not among the MAX_INDENT_WIDTHS smallest widths blanked
 * (each UTF-16 unit but newlines replaced by a space, so every position stays where it was), and the same
 * text when the file has fewer widths (every real file). Widths are measured as the scanner does: space 1,
 * tab 8, CR / form feed reset, 16-bit wrap-around; a line of whitespace and a backslash (continuation into
 * the next line's indentation) is blanked too in such files.
 */
export function limitIndentation(text: string): string {
  const widths = new Set<number>();
  const lineWidth = (start: number): { w: number; end: number; cont: boolean } => {
    let w = 0;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) w = (w + 1) & 0xffff;
      else if (c === 9) w = (w + 8) & 0xffff;
      else if (c === 13 || c === 12) w = 0;
      else break;
    }
    const cont = text.charCodeAt(i) === 92 && (i + 1 >= text.length || text.charCodeAt(i + 1) === 10 || text.charCodeAt(i + 1) === 13);
    let end = text.indexOf('\n', i);
    if (end < 0) end = text.length;
    return { w, end, cont };
  };
  for (let s = 0; s <= text.length; ) {
    const { w, end } = lineWidth(s);
    if (text.slice(s, end).trim()) widths.add(w);
    s = end + 1;
  }
  if (widths.size <= MAX_INDENT_WIDTHS) return text;
  const allowed = new Set([...widths].sort((a, b) => a - b).slice(0, MAX_INDENT_WIDTHS));
  const parts: string[] = [];
  let last = 0;
  for (let s = 0; s <= text.length; ) {
    const { w, end, cont } = lineWidth(s);
    if (!allowed.has(w) || cont) {
      parts.push(text.slice(last, s), ' '.repeat(end - s));
      last = end;
    }
    s = end + 1;
  }
  parts.push(text.slice(last));
  return parts.join('');
}
