/** Shell scripts: the whole file is read as shell; variables assigned earlier are known later. */
import type { WorkerFact } from '../../model/types';
import { workersFromCommands } from './command';
import { type Vars, tokenize } from './shellwords';
import { type Doc, slice, stem } from './source';

export function shellWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const v: Vars = new Map(vars ?? []);
  const cmds = tokenize(slice(doc, 0, doc.text.length), { vars: v, track: true });
  const name = stem(doc.file);
  return workersFromCommands(cmds, { name, runsOn: `script ${name}`, vars: v });
}
