/**
 * Shell scripts: the whole file is read as shell; variables assigned earlier are known later. An entrypoint
 * that starts a different worker per argument (`case "$1" in worker_a) ...` or `if [ "$1" == "worker_a" ]`)
 * gives one worker per branch, named after the branch.
 */
import type { WorkerFact } from '../../model/types';
import { workersFromCommands } from './command';
import { type Vars, tokenize } from './shellwords';
import { type Doc, slice, stem } from './source';

export function shellWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const v: Vars = new Map(vars ?? []);
  const cmds = tokenize(slice(doc, 0, doc.text.length), { vars: v, track: true });
  const name = stem(doc.file);
  const lines = doc.text.split('\n');
  return workersFromCommands(cmds, { name, runsOn: `script ${name}`, vars: v }).map((w) => {
    const branch = branchOf(lines, w.loc.range.start.line);
    return branch ? { ...w, name: `${name} ${branch}` } : w;
  });
}

const CASE_LABEL = /^\s*\(?\s*["']?([\w.:-]+(?:["']?\s*\|\s*["']?[\w.:-]+)*)["']?\s*\)/;
const IF_TEST = /^\s*(?:el)?if\s+(?:\[\[?|test)\s+["']?\$\{?\w+\}?["']?\s*={1,2}\s*["']?([\w.:-]+)["']?/;
const BLOCK_END = /^\s*(?:fi|esac|else)\b|;;\s*(?:#.*)?$/;

/** The label of the case / if branch a line is in (`worker_a`), if any: the nearest one above it in its block. */
function branchOf(lines: string[], line: number): string | undefined {
  const own = CASE_LABEL.exec(lines[line] ?? '');
  if (own) return clean(own[1]);
  for (let i = line - 1; i >= 0; i--) {
    const l = lines[i];
    if (/^\s*#/.test(l)) continue;
    const m = CASE_LABEL.exec(l) ?? IF_TEST.exec(l);
    if (m) return clean(m[1]);
    if (BLOCK_END.test(l)) return undefined;
  }
  return undefined;
}

const clean = (label: string) => label.replace(/["'\s]/g, '');
