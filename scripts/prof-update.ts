import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonParser, parsePython } from '../server/src/parse/python';
import { editBetween } from '../server/src/model/scan';
import { IncrementalModule } from '../server/src/parse/incremental';
(async () => {
  const root = process.argv[2];
  const parser = await pythonParser();
  const text = readFileSync(join(root, 'proj/settings.py'), 'utf8').split('\n');
  const line = text.findIndex((l) => l.startsWith('SETTING_100 '));
  let prevText = text.join('\n');
  let tree = parsePython(parser, prevText);
  const inc = new IncrementalModule(); inc.reset(tree);
  const T: Record<string, number[]> = { diff: [], edit: [], parse: [], lower: [] };
  for (let i = 0; i < 40; i++) {
    text[line] = text[line].slice(0, 14) + String(i % 10) + text[line].slice(15);
    const next = text.join('\n');
    let t = performance.now(); const e = editBetween(prevText, next); T.diff.push(performance.now() - t);
    t = performance.now(); tree.edit(e); T.edit.push(performance.now() - t);
    t = performance.now(); const nt = parsePython(parser, next, tree); T.parse.push(performance.now() - t);
    t = performance.now(); inc.update(tree, nt, e); T.lower.push(performance.now() - t);
    tree.delete(); tree = nt; prevText = next;
  }
  for (const [k, v] of Object.entries(T)) { v.sort((a, b) => a - b); console.log(k.padEnd(6), 'p50', v[20].toFixed(2), 'p95', v[38].toFixed(2)); }
})();
