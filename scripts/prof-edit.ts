import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonParser } from '../server/src/parse/python';
import { Project } from '../server/src/service/project';
import { analysis } from '../server/src/service/analysis';
(async () => {
  const root = process.argv[2];
  const parser = await pythonParser();
  const p = new Project(root, parser);
  let t = performance.now(); p.scan(); console.log('scan', (performance.now() - t).toFixed(1));
  t = performance.now(); const a = analysis(p); a.diagnostics(); console.log('first analysis+diags', (performance.now() - t).toFixed(1));
  const file = join(root, 'proj/settings.py');
  const text = readFileSync(file, 'utf8').split('\n');
  const line = text.findIndex((l) => l.startsWith('SETTING_100 '));
  const times: Record<string, number[]> = { update: [], apps: [], analysis: [], diags: [] };
  for (let i = 0; i < 30; i++) {
    text[line] = text[line].slice(0, 14) + String(i % 10) + text[line].slice(15);
    let t0 = performance.now(); p.updateFile(file, text.join('\n')); times.update.push(performance.now() - t0);
    t0 = performance.now(); void p.apps; void p.tasks; void p.calls; times.apps.push(performance.now() - t0);
    t0 = performance.now(); const an = analysis(p); times.analysis.push(performance.now() - t0);
    t0 = performance.now(); an.diagnostics(); times.diags.push(performance.now() - t0);
  }
  for (const [k, v] of Object.entries(times)) { const s = v.sort((a, b) => a - b); console.log(k.padEnd(10), 'p50', s[15].toFixed(1), 'p95', s[28].toFixed(1)); }
})();
