// Runs every *.test.ts under the given folders with node:test (TypeScript through tsx).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const files = [];
const walk = (p) => {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p)) if (e !== 'node_modules' && !e.startsWith('.')) walk(join(p, e));
  } else if (p.endsWith('.test.ts')) files.push(p);
};
const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const d of dirs.length ? dirs : ['test']) walk(d);
if (!files.length) { console.error(`no tests found under ${dirs.join(' ')}`); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
