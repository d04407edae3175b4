/** Procfile / Procfile.*: `<process type>: <command>` (the process type names the worker). */
import type { WorkerFact } from '../../model/types';
import { workersFromSegment } from './command';
import type { Vars } from './shellwords';
import { type Doc, slice } from './source';

export function procfileWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  const t = doc.text;
  const re = /^[ \t]*([A-Za-z0-9_.-]+)[ \t]*:[ \t]*(.*?)[ \t\r]*$/gm;
  for (let m; (m = re.exec(t));) {
    if (!m[2]) continue;
    const start = m.index + m[0].indexOf(m[2], m[0].indexOf(':') + 1);
    out.push(...workersFromSegment(slice(doc, start, start + m[2].length), { name: m[1], runsOn: `Procfile process "${m[1]}"`, vars }));
  }
  return out;
}
