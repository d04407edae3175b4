import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, tokensOf, linesOf } from '../../../server/src/service/pylex';

const show = (src: string) => tokenize(src).map((t) => `${t.k}:${t.v}${t.unterminated ? '!' : ''}`);

test('pylex: strings with prefixes, triple quotes, escapes; a prefix letter inside a name is not a prefix', () => {
  assert.deepEqual(show(`x = rb'a\\'b' + f"""c\n'd'""" + fr'e'`), ['name:x', 'op:=', "str:a\\'b", 'op:+', "str:c\n'd'", 'op:+', 'str:e']);
  assert.deepEqual(show(`bar'q'`), ['name:bar', 'str:q']);
  assert.deepEqual(show(`foo = 'unterminated\nnext`), ['name:foo', 'op:=', 'str:unterminated!', 'nl:\n', 'name:next']);
});

test('pylex: names (non-ASCII too), numbers, two-character operators, comments and line continuations', () => {
  assert.deepEqual(show('café_1 **= 0x1F + .5e-3 # note\ny //= 2 \\\n  -> z'), ['name:café_1', 'op:**', 'op:=', 'num:0x1F', 'op:+', 'num:.5e', 'op:-', 'num:3', 'nl:\n', 'name:y', 'op://', 'op:=', 'num:2', 'op:->', 'name:z']);
});

test('pylex: brackets record their enclosing bracket and their match; no newline token inside them', () => {
  const t = tokenize("d = {'a': [1,\n 2]}\n");
  const open = t.findIndex((x) => x.v === '{');
  const list = t.findIndex((x) => x.v === '[');
  assert.equal(t[list].open, open);
  assert.equal(t[t[open].close!].v, '}');
  assert.equal(t[t[list].close!].v, ']');
  assert.equal(t.filter((x) => x.k === 'nl').length, 1);
  assert.equal(t.find((x) => x.v === 'a')!.open, open);
});

test('pylex: tokens and line starts are computed once per text', () => {
  const text = "task_routes = {'a': 'b'}\n" + 'x = 1\n'.repeat(100);
  assert.equal(tokensOf(text), tokensOf(text));
  assert.equal(linesOf(text), linesOf(text));
  assert.deepEqual(linesOf(text).positionAt(text.indexOf('x')), { line: 1, character: 0 });
});
