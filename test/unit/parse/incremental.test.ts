// An open buffer's IR after each edit must equal the IR of a fresh parse of the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pythonParser, parsePython } from '../../../server/src/parse/python';
import { lowerModule } from '../../../server/src/parse/lower';
import { OpenBuffer } from '../../../server/src/model/scan';

function pyFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) pyFiles(p, out);
    else if (p.endsWith('.py')) out.push(p);
  }
  return out;
}

function rng(seed: number) {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
}

const PIECES = ['x', '\n', '\n\n', ' ', '(', ')', '[', ']', '{', '}', "'", '"', ':', '=', ',', '#', '\\', "'q'", 'Queue(', '\n    ', 'def f():\n    pass\n', '"""', 'é'];

test('incremental lowering equals a fresh parse after 1,500 random edits', async () => {
  const parser = await pythonParser();
  const files = [...pyFiles(join(__dirname, '../../../examples')), ...pyFiles(join(__dirname, '../../oracle/fixtures')).slice(0, 40)]
    .filter((f) => readFileSync(f, 'utf8').length > 200);
  const rand = rng(42);
  let edits = 0;
  for (const f of files) {
    let text = readFileSync(f, 'utf8');
    const buf = new OpenBuffer();
    buf.parse(parser, f, text, '/');
    for (let i = 0; i < 50; i++) {
      const at = Math.floor(rand() * text.length);
      const del = rand() < 0.4 ? Math.floor(rand() * 12) : 0;
      const ins = rand() < 0.8 ? PIECES[Math.floor(rand() * PIECES.length)] : '';
      text = text.slice(0, at) + ins + text.slice(at + del);
      const inc = buf.parse(parser, f, text, '/').ir;
      const tree = parsePython(parser, text);
      const fresh = lowerModule(tree);
      tree.delete();
      assert.equal(JSON.stringify({ b: inc.body, c: inc.calls, e: inc.errors }), JSON.stringify({ b: fresh.body, c: fresh.calls, e: fresh.errors }), `${f} after edit ${i} at ${at}`);
      edits++;
    }
    buf.dispose();
  }
  assert.ok(edits >= 1500, `only ${edits} edits`);
});
