/**
 * Dockerfile / Containerfile: per build stage, the last ENTRYPOINT and CMD (exec-form JSON arrays or
 * shell form), combined as Docker does; ENV / ARG values are known (overridable) variables.
 */
import type { WorkerFact } from '../../model/types';
import { workersFromArgv, workersFromCommands } from './command';
import { type Vars, type Word, tokenize } from './shellwords';
import { type Doc, aligned, basename, slice, logicalLineEnd } from './source';

interface Instr { op: string; args: number; end: number }

function instructions(doc: Doc): Instr[] {
  const t = doc.text;
  const out: Instr[] = [];
  const re = /^[ \t]*([A-Za-z]+)[ \t]+/gm;
  for (let m; (m = re.exec(t));) {
    const s = m.index + m[0].length;
    const e = logicalLineEnd(t, s);
    out.push({ op: m[1].toUpperCase(), args: s, end: e });
    re.lastIndex = Math.max(re.lastIndex, e);
  }
  return out;
}

/** Words of an exec-form array, or undefined when the text is not one. */
function execForm(doc: Doc, s: number, e: number): Word[] | undefined {
  const t = doc.text;
  const body = t.slice(s, e).trim();
  if (!body.startsWith('[') || !body.endsWith(']')) return undefined;
  let arr: unknown;
  try { arr = JSON.parse(body.replace(/\\\r?\n/g, '')) } catch { return undefined }
  if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) return undefined;
  const words: Word[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  re.lastIndex = s;
  for (const item of arr as string[]) {
    const m = re.exec(t);
    if (!m || m.index >= e) break;
    const w = tokenize(aligned(doc, item, m.index + 1, m.index + m[0].length - 1), { mode: 'word' })[0]?.[0];
    if (w) words.push({ ...w, raw: m[0] });
  }
  return words;
}

export function dockerfileWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  const base = basename(doc.file);
  const fileName = /^(?:Dockerfile|Containerfile)\.(.+)$/i.exec(base)?.[1] ?? /^(.+)\.(?:Dockerfile|dockerfile)$/.exec(base)?.[1] ?? base;
  const instrs = instructions(doc);
  type Stage = { name: string; vars: Vars; entry?: Instr; cmd?: Instr };
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  const flush = () => {
    if (!stage || !(stage.entry || stage.cmd)) return;
    const ctx = { name: stage.name, runsOn: `Dockerfile ${base}`, vars: stage.vars };
    const part = (i: Instr | undefined) => i && (execForm(doc, i.args, i.end) ?? { shell: tokenize(slice(doc, i.args, i.end), { vars: new Map(stage!.vars) }) });
    const entry = part(stage.entry), cmd = part(stage.cmd);
    if (entry && !Array.isArray(entry)) { out.push(...workersFromCommands(entry.shell, ctx)); return }
    if (!cmd || !Array.isArray(cmd)) {
      if (entry) out.push(...workersFromArgv(entry, ctx));
      if (cmd) out.push(...workersFromCommands(cmd.shell.map((c) => [...(entry ?? []), ...c]), ctx));
      return;
    }
    out.push(...workersFromArgv([...(entry ?? []), ...cmd], ctx));
  };
  for (const i of instrs) {
    if (i.op === 'FROM') {
      flush();
      const from = doc.text.slice(i.args, i.end);
      const as = /\bAS\s+(\S+)/i.exec(from);
      const parent = stages.get(from.trim().split(/\s+/).filter((x) => !x.startsWith('--'))[0] ?? '');
      stage = { name: as?.[1] ?? fileName, vars: new Map([...(vars ?? []), ...(parent?.vars ?? [])]), entry: parent?.entry, cmd: parent?.cmd };
      if (as) stages.set(as[1], stage);
    } else if (!stage) {
      continue;
    } else if (i.op === 'ENTRYPOINT') {
      stage.entry = i;
    } else if (i.op === 'CMD') {
      stage.cmd = i;
    } else if (i.op === 'ENV' || i.op === 'ARG') {
      const words = tokenize(slice(doc, i.args, i.end), { vars: new Map(stage.vars) }).flat();
      if (words.length >= 2 && !words[0].value.includes('=') && i.op === 'ENV') {
        const rest = words.slice(1);
        stage.vars.set(words[0].value, { text: rest.map((w) => w.value).join(' '), pos: rest.flatMap((w, k) => k ? [w.start, ...w.pos] : w.pos), isDefault: true });
        continue;
      }
      for (const w of words) {
        const eq = w.value.indexOf('=');
        if (eq > 0) stage.vars.set(w.value.slice(0, eq), { text: w.value.slice(eq + 1), pos: w.pos.slice(eq + 1), isDefault: true });
      }
    }
  }
  flush();
  return out;
}
