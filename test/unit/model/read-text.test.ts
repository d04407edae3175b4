// readText: the scan's one bounded read per file (no stat), its size cap and its reasons; the reading thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readText, PY_PREFILTER } from '../../../server/src/model/scan';
import { readFilesShared, readItem, warmUpReader, type ReadItem } from '../../../server/src/model/read-files';

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

test('readFilesShared: this thread and the reading thread share the files; every one is handed over once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-readp-'));
  const files: string[] = [];
  for (let i = 0; i < 3_000; i++) {
    const f = join(dir, `m${i}.py`);
    files.push(f);
    if (i % 97 === 5) continue; // listed, then gone: ENOENT
    writeFileSync(f, i % 50 === 0 ? `from celery import shared_task  # ${i}\n` : i === 777 ? 'x'.repeat(5_000) : `def f${i}(): pass\n`);
  }
  const req = { files, prefilter: { source: PY_PREFILTER.source, flags: '' }, maxSize: 4_096 };
  assert.equal(await warmUpReader(), true, 'the reading thread starts');
  const shared: ReadItem[] = new Array(files.length);
  let calls = 0;
  const { byThread } = readFilesShared(req, (i, item) => { calls++; assert.equal(shared[i], undefined, `file ${i} twice`); shared[i] = item; });
  assert.equal(calls, files.length);
  assert.ok(byThread > 0 && byThread < files.length, `the reading thread read ${byThread} of ${files.length}`);
  const prefilter = new RegExp(PY_PREFILTER.source);
  assert.deepEqual(shared, files.map((f) => readItem((p, max) => readText(p, max), prefilter, f, 4_096)));
  assert.equal(shared.filter((it) => it.text !== undefined).length, 60);
  assert.equal(shared[50].text, 'from celery import shared_task  # 50\n');
  assert.equal(shared[5].reason, 'ENOENT');
  assert.match(shared[777].reason ?? '', /^larger than 4 KiB \(5 KiB\): skipped$/);
  // a small request stays on this thread
  assert.equal(readFilesShared({ ...req, files: files.slice(0, 10) }, () => undefined).byThread, 0);
});
