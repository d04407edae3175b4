// Cold index of a folder vs. the floor (list, read, prefilter, tree-sitter-parse the same files), in one
// process, alternating, median of N runs. Prints one JSON line. Used by scripts/bench.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonParser } from '../server/src/parse/python';
import { Project } from '../server/src/service/project';
import { warmUpIndexer } from '../server/src/model/index-files';
import { PY_PREFILTER } from '../server/src/model/scan';
import { isWorkerFile, mightContainWorker } from '../server/src/parse/workers';

const SKIP = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

async function main(): Promise<void> {
  const root = process.argv[2];
  const runs = Number(process.argv[3] ?? 3);
  const parser = await pythonParser();
  // as the server does at start-up: the index worker loads its parser before the first scan
  const worker = await warmUpIndexer();
  const floor = (): { ms: number; parsed: number; files: number } => {
    const t0 = performance.now();
    let parsed = 0, files = 0;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { if (!SKIP.has(e.name) && !e.name.startsWith('.')) walk(p); continue; }
        if (e.name.endsWith('.py')) {
          files++;
          const text = readFileSync(p, 'utf8');
          if (PY_PREFILTER.test(text)) { parser.parse(text)?.delete(); parsed++; }
        } else if (isWorkerFile(p)) {
          files++;
          mightContainWorker(readFileSync(p, 'utf8'));
        }
      }
    };
    walk(root);
    return { ms: performance.now() - t0, parsed, files };
  };
  const index = (): { ms: number; tasks: number; analysisMs: number } => {
    const t0 = performance.now();
    const p = new Project(root, parser);
    p.scan();
    const scanned = performance.now();
    const tasks = p.tasks.length; // first analysis: apps, settings, tasks
    return { ms: scanned - t0, tasks, analysisMs: performance.now() - scanned };
  };
  const f: number[] = [], ix: number[] = [], an: number[] = [];
  let info = { parsed: 0, files: 0, tasks: 0 };
  // warm the OS file cache and the JIT: once each before measuring (both are measured warm)
  floor();
  index();
  for (let i = 0; i < runs; i++) {
    const a = floor();
    const b = index();
    f.push(a.ms); ix.push(b.ms); an.push(b.analysisMs);
    info = { parsed: a.parsed, files: a.files, tasks: b.tasks };
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  // each index run is paired with the floor run just before it: the ratio of each pair, then their median
  const ratios = f.map((x, i) => ix[i] / x);
  console.log(JSON.stringify({ root, worker, ...info, floorMs: med(f), indexMs: med(ix), ratio: med(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), firstAnalysisMs: med(an), rssMB: process.memoryUsage().rss / 1048576 }));
}

main().catch((e) => { console.error(e); process.exit(1); });
