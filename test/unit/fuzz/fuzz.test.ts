// Fuzzing in CI: at least 20,000 generated and mutated inputs (prefixes and random edits of every example and
// oracle fixture file, deeply nested literals, giant strings, 10 MB files, invalid UTF-8, NUL bytes, long
// lines, pathological imports, self-referencing settings, 100,000-entry task_routes / task_queues, random
// worker files) through the parser, the lowering, the evaluator, the routing engine, the diagnostics and the
// worker readers (test/fuzz/fuzz.ts). Zero crashes, zero hangs (an input over its budget — 2 s, 10 s over
// 1 MB — in wall and CPU time), files over the max file size skipped with a note.
//
// The seed is random unless FUZZ_SEED is set; it is printed, and every finding is saved with a minimal
// reproduction under test/fuzz/crashes/ (`node --import tsx test/fuzz/fuzz.ts --repro <file>`).
// FUZZ_COUNT / FUZZ_SECONDS / FUZZ_JOBS override the count (20,000), the budget (300 s: the run stops there
// and fails if the count was not reached) and the child processes (2). `npm run fuzz` is the long run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from '../../fuzz/fuzz';

const COUNT = Number(process.env.FUZZ_COUNT ?? 20_000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 300);
const JOBS = Number(process.env.FUZZ_JOBS ?? 2);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;

test(`fuzz: ${COUNT} inputs, no crash, no hang`, { timeout: (SECONDS + 120) * 1000 }, async (t) => {
  const lines: string[] = [];
  const r = await runFuzz({ seed: SEED, count: COUNT, seconds: SECONDS, jobs: JOBS, log: (l) => { lines.push(l); t.diagnostic(l); } });
  const where = `(seed ${r.seed}: rerun with FUZZ_SEED=${r.seed})`;
  const show = (fs: typeof r.findings) => fs.map((f) => `#${f.index} ${f.gen}: ${f.message}${f.file ? ` [${f.file}]` : ''}`).join('\n');
  assert.deepEqual(r.crashes, [], `crashes ${where}:\n${show(r.crashes)}`);
  assert.deepEqual(r.hangs, [], `hangs ${where}:\n${show(r.hangs)}`);
  assert.deepEqual(r.invariants, [], `files over the max size not skipped ${where}:\n${show(r.invariants)}`);
  assert.ok(r.inputs >= COUNT, `only ${r.inputs} of ${COUNT} inputs in ${SECONDS} s ${where}`);
  // Guarded exceptions are bugs too, but not crashes: they are reported, not failed on.
  if (r.swallowed.length) t.diagnostic(`swallowed exceptions ${where}:\n${show(r.swallowed)}`);
});
