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
  const tree = parser.parse(text, old ?? null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
