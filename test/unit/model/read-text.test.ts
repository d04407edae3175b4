// readText: the scan's one bounded read per file (no stat), its size cap and its reasons; the index worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { readText, PY_PREFILTER } from '../../../server/src/model/scan';
import { indexShared, lowerSource, warmUpIndexer, type Indexed } from '../../../server/src/model/index-files';
import { pythonParser } from '../../../server/src/parse/python';

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

test('indexShared: this thread and the index worker share the files; every one is indexed once, as alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-index-'));
  const files: string[] = [];
  for (let i = 0; i < 3_000; i++) {
    const f = join(dir, `m${i}.py`);
    files.push(f);
    if (i % 97 === 5) continue; // listed, then gone: ENOENT
    writeFileSync(f, i % 50 === 0 ? `from celery import shared_task\n\n@shared_task(queue='q${i}')\ndef t${i}(): pass  # celery-routing: ignore[unreachable-queue]\n` : i === 777 ? 'x'.repeat(5_000) : `def f${i}(): pass\n`);
  }
  const req = { root: dir, files, prefilter: { source: PY_PREFILTER.source, flags: '' }, maxSize: 4_096 };
  assert.equal(await warmUpIndexer(), true, 'the index worker starts and loads its parser');
  const parser = await pythonParser();
  const items: Indexed[] = new Array(files.length);
  let calls = 0;
  const { byWorker } = indexShared(parser, req, (i, item) => { calls++; assert.equal(items[i], undefined, `file ${i} twice`); items[i] = item; });
  assert.equal(calls, files.length);
  assert.ok(byWorker > 0 && byWorker < files.length, `the worker indexed ${byWorker} of ${files.length}`);
  // the same as this thread alone: read, prefilter, parse and lower each file
  const alone = files.map((file): Indexed => {
    const r = readText(file, 4_096);
    if (r.text === undefined) return { file, module: '', reason: r.reason };
    const module = basename(file, '.py'); // (the folder is not a package: named below the root)
    return PY_PREFILTER.test(r.text) ? { file, module, ...lowerSource(parser, r.text) } : { file, module };
  });
  assert.deepEqual(items, alone);
  assert.equal(items.filter((it) => it.ir).length, 60);
  assert.equal(items[50].suppressions?.length, 1);
  assert.equal(items[5].reason, 'ENOENT');
  assert.match(items[777].reason ?? '', /^larger than 4 KiB \(5 KiB\): skipped$/);
  // a small request stays on this thread
  assert.equal(indexShared(parser, { ...req, files: files.slice(0, 10) }, () => undefined).byWorker, 0);
});
