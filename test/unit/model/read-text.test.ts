// readText: the scan's one bounded read per file (no stat), its size cap and its reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readText } from '../../../server/src/model/scan';

test('readText: small, exactly at the cap, over it, larger than the shared buffer, multibyte, missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-read-'));
  const w = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
  assert.equal(readText(w('a.py', "x = 'é'\n")).text, "x = 'é'\n");
  assert.equal(readText(w('cap.py', 'a'.repeat(1000)), 1000).text?.length, 1000);
  assert.match(readText(w('over.py', 'a'.repeat(1001)), 1000).reason ?? '', /^larger than 1 KiB \(1 KiB\): skipped$/);
  // 1.5 MB of 'é' (2 bytes each) and a marker at the end: read across buffer growth, decoded once
  const big = 'é'.repeat(750_000) + 'END';
  const r = readText(w('big.py', big));
  assert.equal(r.text?.length, big.length);
  assert.ok(r.text?.endsWith('éEND'));
  assert.match(readText(w('huge.py', 'a'.repeat(3 * 1024 * 1024))).reason ?? '', /^larger than 2048 KiB \(3072 KiB\): skipped$/);
  assert.equal(readText(join(dir, 'missing.py')).reason, 'ENOENT');
  assert.equal(readText(dir).reason, 'EISDIR');
});
