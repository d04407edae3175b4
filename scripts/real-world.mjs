#!/usr/bin/env node
// Runs the built CLI (dist/cli.js, or --cli PATH) on checkouts of public Celery projects and compares the
// answers with test/real-world/manifest.json (facts verified by reading each project's code).
//   npm run real-world -- /work/rw/treeherder /work/rw/kitsune ...   (each DIR's basename names a manifest entry)
//   npm run real-world -- --index DIR...   also measures the language server's cold index of each DIR next to the
//   floor (scripts/bench-index.ts: list, read, prefilter and tree-sitter-parse the same files; 3 paired runs)
// Prints per project: Python files, tasks, routes, queues, workers, share of route values resolved,
// diagnostics by severity, cold time (`tasks` wall time). Exits 1 on any mismatch with the manifest.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let cli = join(here, '..', 'dist', 'cli.js');
let indexBench = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--cli') cli = resolve(args[++i]);
  else if (args[i] === '--index') indexBench = true;
  else dirs.push(resolve(args[i]));
}
if (!dirs.length) { console.error('usage: npm run real-world -- [--cli dist/cli.js] DIR...'); process.exit(2); }
if (!existsSync(cli)) { console.error(`no CLI at ${cli}: run npm run build first`); process.exit(2); }
const manifest = JSON.parse(readFileSync(join(here, '..', 'test', 'real-world', 'manifest.json'), 'utf8'));

const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv', 'env', '.tox', 'site-packages', 'dist', 'build']);
function countPy(dir) {
  let n = 0;
  const walk = (d) => {
    let es; try { es = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) {
      if (e.isDirectory()) { if (!SKIP.has(e.name) && !e.name.startsWith('.')) walk(join(d, e.name)); }
      else if (e.isFile() && e.name.endsWith('.py')) n++;
    }
  };
  walk(dir);
  return n;
}

function run(argv) {
  try {
    return execFileSync(process.execPath, [cli, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.stdout) return e.stdout; // `check` exits 1 when there are errors
    throw e;
  }
}
const json = (argv) => JSON.parse(run(argv));
const rel = (root, f) => (f && f.startsWith(root + '/') ? f.slice(root.length + 1) : f);

let failures = 0;
let gapCount = 0;
const rows = [];
for (const dir of dirs) {
  const name = basename(dir);
  const m = manifest.projects.find((p) => p.name === name);
  const bad = [];
  if (!m) { console.log(`\n## ${name}: no manifest entry (skipped)`); failures++; continue; }

  const t0 = process.hrtime.bigint();
  const tasks = json(['tasks', dir, '--json']);
  const cold = Number(process.hrtime.bigint() - t0) / 1e9;
  const queues = json(['queues', dir, '--json']);
  const diags = json(['check', dir, '--format', 'json']);
  const graph = json(['graph', dir, '--format', 'json']);
  const workers = graph.nodes.filter((n) => n.kind === 'worker').map((n) => ({
    label: n.label, file: rel(dir, n.loc?.file), line: (n.loc?.range?.start?.line ?? -1) + 1,
    queues: graph.edges.filter((e) => e.to === n.id).map((e) => e.from.replace(/^queue:/, '')),
  }));

  // Route values: one per task definition; resolved when the queue is known and nothing is Unknown.
  const resolved = tasks.filter((t) => typeof t.queue === 'string' && !(t.unknowns ?? []).length).length;
  const routes = queues.reduce((n, q) => n + (q.routedFrom?.length ?? 0), 0);
  const sev = {};
  for (const d of diags) sev[d.severity] = (sev[d.severity] ?? 0) + 1;

  // --- comparisons
  const apps = [...new Set(tasks.map((t) => t.app))];
  if ('app' in m && !apps.includes(m.app)) bad.push(tasks.length ? `app: expected ${m.app}, engine has ${JSON.stringify(apps)}` : `no tasks found (expected app ${m.app})`);
  if (m.queues) {
    const have = new Set(queues.map((q) => q.name));
    const missing = m.queues.filter((q) => !have.has(q));
    if (missing.length) bad.push(`queues missing: ${missing.join(', ')}`);
  }
  const byName = new Map(tasks.map((t) => [t.task ?? t.name, t]));
  for (const [task, exp] of Object.entries(m.tasks ?? {})) {
    let got = byName.get(task);
    if (!got) {
      // `sentOnly`: defined in another repository, only sent from this one — where those sends go
      const sentTo = exp.sentOnly ? queues.filter((q) => (q.routedFrom ?? []).some((f) => f.startsWith(`${task} (`))).map((q) => q.name) : [];
      if (sentTo.length === 1) got = { queue: sentTo[0], deliveredTo: sentTo };
      else {
        bad.push(`task ${task}: not among the project's tasks (routed by name only)`);
        try { got = json(['route', task, '--root', dir, '--json']); } catch { got = undefined; }
      }
    }
    if (!got) { bad.push(`task ${task}: not routed`); continue; }
    if ('queue' in exp && got.queue !== exp.queue) bad.push(`task ${task}: queue ${got.queue}, expected ${exp.queue}`);
    if (exp.deliveredTo && JSON.stringify([...got.deliveredTo].sort()) !== JSON.stringify([...exp.deliveredTo].sort())) bad.push(`task ${task}: deliveredTo ${got.deliveredTo}, expected ${exp.deliveredTo}`);
    if ('error' in exp && (got.error ?? null) !== exp.error) bad.push(`task ${task}: error ${got.error}, expected ${exp.error}`);
  }
  for (const w of m.workers ?? []) {
    const found = workers.find((x) => x.file === w.file && (!w.line || x.line === w.line));
    if (!found) { bad.push(`worker ${w.file}:${w.line}: not found`); continue; }
    if (w.name && found.label !== w.name) bad.push(`worker ${w.file}:${w.line}: named '${found.label}', expected '${w.name}'`);
    if (!w.queues) continue; // (what it consumes is not determinable from the repository: `note` says why)
    const a = [...found.queues].sort().join(','), b = [...w.queues].sort().join(',');
    if (a !== b) bad.push(`worker ${w.file}:${w.line}: queues ${a}, expected ${b}`);
  }
  const key = (d) => `${d.code}@${d.file}:${d.line}`;
  const recorded = new Map((m.diagnostics ?? []).map((d) => [key(d), d]));
  // information notes come in families (bk-monitor: 183 undeclared-queue notes over a few queues): judged per
  // code and queue (`notes`), unless one is recorded by its place
  const subject = (d) => `${d.code}:${/Queue '([^']+)'|queue '([^']+)'|consumes '([^']+)'/.exec(d.message)?.slice(1).find(Boolean) ?? ''}`;
  const notes = new Map((m.notes ?? []).map((n) => [`${n.code}:${n.queue ?? ''}`, n]));
  for (const d of diags) {
    const r = recorded.get(key(d));
    if (!r) {
      if (d.severity === 'error' || d.severity === 'warning') bad.push(`unrecorded ${d.severity} ${key(d)}: ${d.message}`);
      else {
        const n = notes.get(subject(d));
        if (!n) bad.push(`unrecorded note ${subject(d)} at ${d.file}:${d.line}: ${d.message}`);
        else if (n.verdict === false) bad.push(`false note ${subject(d)} at ${d.file}:${d.line}`);
      }
    } else if (r.verdict === false) bad.push(`false ${d.severity} ${key(d)}${r.pattern ? ` (${r.pattern})` : ''}`);
  }
  for (const r of m.diagnostics ?? []) {
    if (r.verdict === true && !diags.some((d) => key(d) === key(r))) bad.push(`missing true diagnostic ${key(r)}`);
  }
  for (const [k, n] of notes) {
    if (n.verdict === true && !diags.some((d) => !recorded.has(key(d)) && subject(d) === k)) bad.push(`missing note ${k}`);
  }

  const row = {
    name, pythonFiles: countPy(dir), tasks: tasks.length, routes, queues: queues.length, workers: workers.length,
    resolved: tasks.length ? `${Math.round((100 * resolved) / tasks.length)}%` : '-', diagnostics: sev, cold: `${cold.toFixed(2)}s`,
  };
  if (indexBench) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'bench-index.ts'), dir, '3'], { cwd: join(here, '..'), encoding: 'utf8', maxBuffer: 1 << 24 });
    const b = JSON.parse(out.trim().split('\n').pop());
    row.index = `index ${(b.indexMs / 1000).toFixed(2)} s vs floor ${(b.floorMs / 1000).toFixed(2)} s = ${b.ratio.toFixed(2)}× (runs ${b.ratioMin.toFixed(2)}-${b.ratioMax.toFixed(2)}×; ${b.parsed} of ${b.files} files parsed)`;
  }
  rows.push(row);
  console.log(`\n## ${name} (${m.repository ?? '?'} @ ${(m.commit ?? '?').slice(0, 12)})`);
  console.log(`   python files ${row.pythonFiles} · tasks ${row.tasks} · routes ${row.routes} · queues ${row.queues} · workers ${row.workers} · resolved ${row.resolved} · diagnostics ${JSON.stringify(sev)} · cold ${row.cold}`);
  if (row.index) console.log(`   ${row.index}`);
  // Known engine gaps (`gaps`: the start of a mismatch line, and why): shown, not counted, so a new mismatch
  // stands out; a gap that no longer shows is reported too (the manifest should drop it).
  const gaps = m.gaps ?? [];
  const known = bad.filter((b) => gaps.some((g) => b.startsWith(g.mismatch)));
  const fresh = bad.filter((b) => !known.includes(b));
  for (const b of known) console.log(`   ○ known gap: ${b}`);
  for (const g of gaps) if (!bad.some((b) => b.startsWith(g.mismatch))) console.log(`   ✓ gap closed (drop it from the manifest): ${g.mismatch}`);
  if (fresh.length) { failures += fresh.length; for (const b of fresh) console.log(`   ✗ ${b}`); }
  else console.log(`   ✓ matches the manifest${known.length ? ` but for ${known.length} known gap(s)` : ''}`);
  gapCount += known.length;
}
console.log(`\n${rows.length} project(s), ${failures} mismatch(es), ${gapCount} known gap(s)`);
process.exit(failures ? 1 : 0);
