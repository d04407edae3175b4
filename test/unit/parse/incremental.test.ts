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

// Edits that keep the file valid (what typing in a settings file mostly is) take the one-statement path
// (IncrementalModule.updateStatement): its IR must equal a fresh parse too, including after a later edit of
// another shape reparses the tree that carried the quick edits. Half the edits are undone, like typing.
test('one-statement updates equal a fresh parse (2,000 edits inside words, half of them undone)', async () => {
  const parser = await pythonParser();
  const files = [...pyFiles(join(__dirname, '../../../examples')), ...pyFiles(join(__dirname, '../../oracle/fixtures')).slice(0, 40)]
    .filter((f) => readFileSync(f, 'utf8').length > 200);
  const rand = rng(7);
  let edits = 0;
  let quick = 0;
  for (const f of files) {
    let text = readFileSync(f, 'utf8');
    const buf = new OpenBuffer();
    buf.parse(parser, f, text, '/');
    const check = (label: string) => {
      const inc = buf.parse(parser, f, text, '/');
      if (buf.lastPath === 'statement') quick++;
      const tree = parsePython(parser, text);
      const fresh = lowerModule(tree);
      tree.delete();
      assert.equal(JSON.stringify({ b: inc.ir.body, c: inc.ir.calls, e: inc.ir.errors, l: inc.ir.lines }), JSON.stringify({ b: fresh.body, c: fresh.calls, e: fresh.errors, l: fresh.lines }), `${f} ${label}`);
      edits++;
    };
    for (let i = 0; i < 45; i++) {
      // inside a word (a name, a number, a string's letters), now and then a newline or a random piece
      let at = 1 + Math.floor(rand() * (text.length - 1));
      for (let k = 0; k < 50 && !(/\w/.test(text[at - 1]) && /\w/.test(text[at])); k++) at = 1 + Math.floor(rand() * (text.length - 1));
      const ins = rand() < 0.9 ? 'abcxyz0179_'[Math.floor(rand() * 11)] : PIECES[Math.floor(rand() * PIECES.length)];
      const before = text;
      text = text.slice(0, at) + ins + text.slice(at);
      check(`after edit ${i} at ${at}`);
      if (rand() < 0.5) { text = before; check(`after undoing edit ${i}`); }
    }
    buf.dispose();
  }
  assert.ok(edits >= 2000, `only ${edits} edits`);
  console.log(`one-statement path: ${quick} of ${edits} edits`);
  assert.ok(quick >= edits / 3, `the one-statement path ran for only ${quick} of ${edits} edits`);
});
