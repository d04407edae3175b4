// Bundles the client, the language server and the CLI into dist/, and copies the tree-sitter wasm files next to them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
mkdirSync('dist', { recursive: true });
// web-tree-sitter's ESM build reads import.meta.url; give the CJS bundle a real one.
const importMeta = "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";
// elkjs (the routing map's layout) ships one prebuilt, minified file: load it from dist/ at run time rather
// than re-printing 1.6 MB of minified code into both the client and the CLI bundle.
const elkExternal = { name: 'elk-external', setup(b) { b.onResolve({ filter: /^elkjs\/lib\/elk\.bundled\.js$/ }, () => ({ path: './elk.bundled.js', external: true })); } };
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', plugins: [elkExternal],
  define: { 'import.meta.url': '__importMetaUrl' }, banner: { js: importMeta },
  // jsonc-parser's UMD main requires its files dynamically (esbuild cannot follow): use its ESM build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' } };
const entries = [
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + importMeta } },
  // the index worker thread (server/src/model/index-files.ts starts it from beside the bundle)
  { entryPoints: ['server/src/model/index-worker.ts'], outfile: 'dist/index-worker.js' },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
].filter((e) => existsSync(e.entryPoints[0]));
for (const e of entries) {
  if (watch) await (await esbuild.context({ ...common, ...e })).watch();
  else await esbuild.build({ ...common, ...e });
}
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/web-tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'), 'dist/tree-sitter-python.wasm');
copyFileSync(require.resolve('elkjs/lib/elk.bundled.js'), 'dist/elk.bundled.js');
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
