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
  const found = workersFromCommands(cmds, { name, runsOn: `script ${name}`, vars: v });
  if (!found.length) return found;
  const lines = doc.text.split('\n');
  const above = branchesAbove(lines);
  return found.map((w) => {
    const line = w.loc.range.start.line;
    const own = CASE_LABEL.exec((lines[line] ?? '').trimStart());
    const branch = own ? clean(own[1]) : above[line];
    return branch ? { ...w, name: `${name} ${branch}` } : w;
  });
}

// Matched against lines with their indentation trimmed: a leading `\s*` before `\(?\s*` would backtrack
// quadratically over a long indentation.
const CASE_LABEL = /^\(?\s*["']?([\w.:-]+(?:["']?\s*\|\s*["']?[\w.:-]+)*)["']?\s*\)/;
const IF_TEST = /^(?:el)?if\s+(?:\[\[?|test)\s+["']?\$\{?\w+\}?["']?\s*={1,2}\s*["']?([\w.:-]+)["']?/;
const BLOCK_END = /^(?:fi|esac|else)\b|;;\s*(?:#.*)?$/;

/** For each line, the label of the case / if branch it is in (`worker_a`), if any: the nearest label above it
 * in its block (comments skipped, a block end stops the search). One pass, however many workers the file has. */
function branchesAbove(lines: string[]): Array<string | undefined> {
  const above: Array<string | undefined> = new Array(lines.length);
  let current: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    above[i] = current;
    const l = lines[i].trimStart();
    if (l.startsWith('#')) continue;
    const m = CASE_LABEL.exec(l) ?? IF_TEST.exec(l);
    if (m) current = clean(m[1]);
    else if (BLOCK_END.test(l)) current = undefined;
  }
  return above;
}

const clean = (label: string) => label.replace(/["'\s]/g, '');
