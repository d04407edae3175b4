// Inputs the fuzzer (test/fuzz/fuzz.ts) found that crashed or hung the front end, fixed in server/src/parse/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonParser, parsePython, limitIndentation, MAX_INDENT_WIDTHS } from '../../../server/src/parse/python';
import { lowerModule } from '../../../server/src/parse/lower';
import { extractWorkers } from '../../../server/src/parse/workers';
import type { Expr, Stmt } from '../../../server/src/parse/ir';

const lower = async (text: string) => {
  const tree = parsePython(await pythonParser(), text);
  try { return lowerModule(tree); } finally { tree.delete(); }
};

test('lower: `lambda: lambda: ...` 10,000 deep does not overflow the stack, and calls inside are still found', async () => {
  const ir = await lower(`x = ${'lambda: '.repeat(10_000)}add.delay()\ny = ${'(lambda: '.repeat(5_000)}f()${')'.repeat(5_000)}\n`);
  assert.equal(ir.body.length, 2);
});

test('lower: blocks nested deeper than Python allows keep their call sites', async () => {
  const n = 400;
  const src = Array.from({ length: n }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(n) + "app.send_task('deep.task')\n";
  const ir = await lower(src);
  assert.equal(ir.calls.length, 1);
  const c = ir.calls[0] as Extract<Expr, { t: 'call' }>;
  assert.deepEqual(c.args[0], { ...c.args[0], t: 'str', v: 'deep.task' });
  // 100 levels of statements at most: the rest was scanned for calls only.
  let depth = 0;
  for (let b: Stmt[] = ir.body; b.length && b[0].s === 'if'; b = (b[0] as Extract<Stmt, { s: 'if' }>).body) depth++;
  assert.ok(depth >= 99 && depth <= 101, `depth ${depth}`);
});

test('lower: a syntax error at the bottom of a deep tree is collected without recursion', async () => {
  const ir = await lower(`x = ${'['.repeat(10_000)}\ny = ${'{'.repeat(5_000)}1:\n`);
  assert.ok(ir.errors.length > 0);
});

test('lower: invalid \\x / \\u / \\U escapes stay as written instead of throwing', async () => {
  const ir = await lower('a = "\\U"\nb = "\\x"\nc = "\\U0011FFFF"\nd = "\\u00e9\\x41\\U0001F600"\n');
  const values = ir.body.map((s) => (s.s === 'assign' && s.value.t === 'str' ? s.value.v : undefined));
  assert.deepEqual(values, ['\\U', '\\x', '\\U0011FFFF', 'éA😀']);
});

test('parse: more than 510 indentation levels with a string no longer corrupts the tree-sitter heap', async () => {
  // tree-sitter-python's scanner wrote one byte past its 1024-byte serialization buffer: "memory access
  // out of bounds", then every later parse failed.
  const parser = await pythonParser();
  const kinds = ['def f():', 'class C:', 'if x:'];
  const src = Array.from({ length: 2_000 }, (_, i) => ' '.repeat(i) + kinds[i % 3] + '\n').join('') + ' '.repeat(2_000) + "app.send_task('a')\n";
  const tree = parsePython(parser, src);
  assert.equal(tree.rootNode.endIndex, src.length);
  tree.delete();
  const after = parsePython(parser, 'x = 1\n');
  assert.equal(after.rootNode.toString(), '(module (expression_statement (assignment left: (identifier) right: (integer))))');
  after.delete();
  const ir = await lower(src);
  assert.equal(ir.calls.length, 1, 'the deep call is still a call site');
});

test('parse: limitIndentation leaves real files alone and keeps every position', () => {
  const normal = 'def f():\n    if x:\n\tpass\n  \n        y = 1\n';
  assert.equal(limitIndentation(normal), normal);
  const deep = Array.from({ length: 600 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + '\t'.repeat(700) + "s = '\\n'\n";
  const out = limitIndentation(deep);
  assert.equal(out.length, deep.length);
  assert.deepEqual(out.split('\n').map((l) => l.trimStart()), deep.split('\n').map((l) => l.trimStart()));
  const widths = new Set(out.split('\n').filter((l) => l.trim()).map((l) => {
    let w = 0;
    for (const c of l) { if (c === ' ') w++; else if (c === '\t') w += 8; else if (c === '\f') w = 0; else break; }
    return w;
  }));
  assert.ok(widths.size <= MAX_INDENT_WIDTHS + 8, `${widths.size} widths`);
});

test('workers: `${X:-${X:-...}}` nested 10,000 deep is read in linear time', () => {
  const deep = '${X:-'.repeat(10_000) + 'q' + '}'.repeat(10_000);
  const t0 = performance.now();
  const ws = extractWorkers('/p/Procfile', `worker: celery -A proj worker -Q ${deep}\n`);
  const ms = performance.now() - t0;
  assert.equal(ws.length, 1);
  assert.ok(ws[0].unresolved?.includes('X'));
  assert.ok(ms < 1_500, `${ms.toFixed(0)} ms`);
});

test('workers: a shell line indented 100,000 spaces deep is read in linear time (case labels are matched trimmed)', () => {
  // Before: `^\s*\(?\s*` split the indentation between its two `\s*` in every way (10^10 steps for this line).
  const text = `${' '.repeat(100_000)}a:\ncelery -A proj worker -Q x\ncase "$1" in\n  fast) celery -A proj worker -Q fast ;;\nesac\n`;
  const t0 = performance.now();
  const ws = extractWorkers('/p/run.sh', text);
  const ms = performance.now() - t0;
  assert.deepEqual(ws.map((w) => [w.name, w.queues]), [['run', ['x']], ['run fast', ['fast']]]);
  assert.ok(ms < 1_500, `${ms.toFixed(0)} ms`);
});

test('workers: YAML flow collections nested 3,000 deep are not parsed (V8 could not compile the next regex after)', () => {
  const deep = '['.repeat(3_000);
  const text = `${deep}\ncommand: celery -A p worker -Q ${deep.slice(0, 1000)}\n`;
  for (let i = 0; i < 3; i++) assert.deepEqual(extractWorkers('/p/k8s/deployment.yaml', text), []);
  // a regular expression compiled afterwards still works
  assert.equal(/^(?:docker-)?compose\b.*\.ya?ml$/i.test('compose.yaml'), true);
  // and a worker command in ordinary YAML is still read
  assert.deepEqual(extractWorkers('/p/docker-compose.yml', 'services:\n  w:\n    command: ["celery", "-A", "p", "worker", "-Q", "a"]\n').map((w) => w.queues), [['a']]);
});

test('workers: a command that an unclosed ${ runs to the end of the file keeps a bounded command text', () => {
  // The fuzzer's script: `set${X:- -e` never closes, so everything after is one command; its text was 39 MB
  // here (every word's raw text repeats the rest of the file), and one worker per `celery` in it carried it.
  const text = '#!/bin/bash\nset${X:- -e\n' + 'exec celery -A "p" worker -Q "$Q#" -n "w@ -art 3 -Q:1-2 a -Q:3 b\n'.repeat(200);
  const ws = extractWorkers('/p/run.sh', text);
  assert.ok(ws.length >= 1);
  for (const w of ws) assert.ok(w.command.length <= 2_001, `${w.command.length} characters`);
  assert.ok(ws[0].command.endsWith('…'));
});
