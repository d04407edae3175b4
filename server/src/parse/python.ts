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

const CHUNK = 16 * 1024;

/** Parse Python source. Positions are zero-based rows and UTF-16 columns (as LSP). */
export function parsePython(parser: Parser, text: string, old?: Tree): Tree {
  const safe = limitIndentation(text);
  // A callback handing out bounded chunks: given a string, web-tree-sitter answers every read with the whole
  // rest of the text (copied into wasm memory each time), so an incremental reparse would cost O(n) per read.
  const tree = parser.parse((index: number) => safe.slice(index, index + CHUNK), safe === text ? old ?? null : null);
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
 * The text with the indentation of every line whose width is not among the MAX_INDENT_WIDTHS smallest
 * clamped to (about) the largest of them — written with the same number of UTF-16 units, so every position
 * stays where it was — and the same text when the file has fewer widths (every real file). The deep lines
 * become statements of the deepest allowed block instead of an error (error recovery over hundreds of levels
 * is slow). Widths are measured as the scanner does: space 1, tab 8, CR / form feed reset, 16-bit
 * wrap-around; in such files a line of only whitespace and a backslash (which carries its width into the
 * next line) is blanked.
 */
export function limitIndentation(text: string): string {
  const lineWidth = (start: number): { w: number; ws: number; end: number; blank: boolean; cont: boolean } => {
    let w = 0;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) w = (w + 1) & 0xffff;
      else if (c === 9) w = (w + 8) & 0xffff;
      else if (c === 13 || c === 12) w = 0;
      else break;
    }
    let end = text.indexOf('\n', i);
    if (end < 0) end = text.length;
    const cont = text.charCodeAt(i) === 92 && (i + 1 >= text.length || text.charCodeAt(i + 1) === 10 || text.charCodeAt(i + 1) === 13);
    return { w, ws: i - start, end, blank: i >= end || !text.slice(i, end).trim(), cont };
  };
  const widths = new Set<number>();
  for (let s = 0; s <= text.length; ) {
    const l = lineWidth(s);
    if (!l.blank) widths.add(l.w);
    s = l.end + 1;
  }
  if (widths.size <= MAX_INDENT_WIDTHS) return text;
  const allowed = new Set([...widths].sort((a, b) => a - b).slice(0, MAX_INDENT_WIDTHS));
  const max = Math.max(...allowed);
  const parts: string[] = [];
  let last = 0;
  for (let s = 0; s <= text.length; ) {
    const l = lineWidth(s);
    if (l.cont) {
      parts.push(text.slice(last, s), ' '.repeat(l.end - s));
      last = l.end;
    } else if (!l.blank && !allowed.has(l.w)) {
      parts.push(text.slice(last, s), clampedIndent(l.ws, max));
      last = s + l.ws;
    }
    s = l.end + 1;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** `n` whitespace units whose scanner width is `max` when possible, else the largest width below it (max - 6 at least). */
function clampedIndent(n: number, max: number): string {
  if (n > max) return ' '.repeat(n - max - 1) + '\f' + ' '.repeat(max);
  const tabs = Math.min(n, Math.floor((max - n) / 7));
  return '\t'.repeat(tabs) + ' '.repeat(n - tabs);
}
