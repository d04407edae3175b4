// Layout benchmark of the routing map: a generated N-queue topology (default 300: 1,250 nodes) laid out
// (server/src/service/graph-render.ts: graph-columns.ts above LARGE_GRAPH nodes, ELK below) and drawn as SVG.
// Prints wall and CPU time of the first layout in a fresh process ("cold": what opening the map costs the
// first time; V8 has not optimised the code yet) and of later layouts ("warm"), with their medians, and fails
// (exit 1) when either median is over the budget (1000 ms; --budget MS):
//   - warm: on CPU time, which a machine busy with other work does not stretch (wall time is printed, with the
//     load);
//   - cold: on the lower of the wall and CPU medians. Wall time is stretched by a busy machine; CPU time counts
//     V8's compiler and GC threads, which run alongside the layout on another core (ELK: ~1.7× the wall time).
//
//   node scripts/bench-graph.mjs [--queues N] [--runs N] [--budget MS] [--cold-runs N]
import { tsImport } from 'tsx/esm/api';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg, cpus } from 'node:os';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const queues = arg('queues', 300);
const runs = arg('runs', 5);
const budget = arg('budget', 1000);
const coldRuns = arg('cold-runs', 5);

const render = await tsImport('../server/src/service/graph-render.ts', import.meta.url);
const { syntheticGraph } = await tsImport('../test/unit/graph/synthetic.ts', import.meta.url);
const g = syntheticGraph(queues);

async function once() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const l = await render.layoutGraph(g);
  const layoutMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const t1 = performance.now();
  const svg = render.renderSvg(l);
  const svgMs = performance.now() - t1;
  return { layoutMs, cpuMs: (cpu.user + cpu.system) / 1000, svgMs, bytes: svg.length, width: l.width, height: l.height };
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(await once()) + '\n');
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (n) => `${Math.round(n)} ms`;
const engine = g.nodes.length > render.LARGE_GRAPH ? 'graph-columns.ts' : 'elkjs';
console.log(`routing map layout: ${queues} queues → ${g.nodes.length} nodes, ${g.edges.length} edges (${engine})`);

const cold = [];
for (let i = 0; i < coldRuns; i++) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--queues', String(queues)], { encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  cold.push(JSON.parse(r.stdout.trim().split('\n').pop()));
}
const cwm = median(cold.map((c) => c.layoutMs));
const ccm = median(cold.map((c) => c.cpuMs));
console.log(`cold (first layout in a fresh process, ${coldRuns} processes): wall ${cold.map((c) => f(c.layoutMs)).join(', ')} (median ${f(cwm)}); cpu ${cold.map((c) => f(c.cpuMs)).join(', ')} (median ${f(ccm)})`);

await once(); // warm-up
const warm = [];
for (let i = 0; i < runs; i++) warm.push(await once());
const wm = median(warm.map((w) => w.layoutMs));
const cm = median(warm.map((w) => w.cpuMs));
console.log(`warm (${runs} runs): wall ${warm.map((w) => f(w.layoutMs)).join(', ')} (median ${f(wm)}); cpu ${warm.map((w) => f(w.cpuMs)).join(', ')} (median ${f(cm)})`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`SVG: ${f(median(warm.map((w) => w.svgMs)))} to draw, ${Math.round(warm[0].bytes / 1024)} KiB, ${warm[0].width}×${warm[0].height} px`);
const coldMs = Math.min(cwm, ccm);
const fails = [];
if (coldMs > budget) fails.push(`cold median layout ${f(coldMs)} (wall ${f(cwm)}, cpu ${f(ccm)}) is over the ${budget} ms budget`);
if (cm > budget) fails.push(`warm median layout ${f(cm)} of CPU is over the ${budget} ms budget`);
if (fails.length) {
  for (const m of fails) console.error(`FAIL: ${m}`);
  process.exit(1);
}
console.log(`ok: cold median layout ${f(coldMs)} (wall ${f(cwm)}, cpu ${f(ccm)}) and warm median ${f(cm)} of CPU ≤ ${budget} ms`);
