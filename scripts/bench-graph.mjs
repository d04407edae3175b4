// Layout benchmark of the routing map: a generated N-queue topology (default 300) laid out by ELK
// (server/src/service/graph-render.ts) and drawn as SVG. Prints wall and CPU time of the first layout in a
// fresh process ("cold": ELK's code not yet optimised by V8) and of later layouts ("warm"), and fails
// (exit 1) when the warm median is over the budget (1000 ms; --budget MS). The budget is checked on CPU
// time, which a machine busy with other work does not stretch (wall time is printed, with the load).
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
const coldRuns = arg('cold-runs', 3);

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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (n) => `${Math.round(n)} ms`;
console.log(`routing map layout: ${queues} queues → ${g.nodes.length} nodes, ${g.edges.length} edges (elkjs, ${g.nodes.length > render.LARGE_GRAPH ? 'fast' : 'quality'} settings)`);

const cold = [];
for (let i = 0; i < coldRuns; i++) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--queues', String(queues)], { encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  cold.push(JSON.parse(r.stdout.trim().split('\n').pop()));
}
console.log(`cold (first layout in a fresh process, ${coldRuns} processes): wall ${cold.map((c) => f(c.layoutMs)).join(', ')}; cpu ${cold.map((c) => f(c.cpuMs)).join(', ')}`);

await once(); // warm-up
const warm = [];
for (let i = 0; i < runs; i++) warm.push(await once());
const wm = median(warm.map((w) => w.layoutMs));
const cm = median(warm.map((w) => w.cpuMs));
console.log(`warm (${runs} runs): wall ${warm.map((w) => f(w.layoutMs)).join(', ')} (median ${f(wm)}); cpu ${warm.map((w) => f(w.cpuMs)).join(', ')} (median ${f(cm)})`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`SVG: ${f(median(warm.map((w) => w.svgMs)))} to draw, ${Math.round(warm[0].bytes / 1024)} KiB, ${warm[0].width}×${warm[0].height} px`);
if (cm > budget) {
  console.error(`FAIL: warm median layout ${f(cm)} of CPU is over the ${budget} ms budget`);
  process.exit(1);
}
console.log(`ok: warm median layout ${f(cm)} of CPU ≤ ${budget} ms`);
