/**
 * systemd units (`ExecStart=`, `Environment=`, `EnvironmentFile=`) and the Celery daemon configuration
 * file they load (`CELERYD_NODES="w1 w2"`, `CELERYD_OPTS="-Q:w1 a"`, `CELERY_APP=proj`: shell syntax).
 * An EnvironmentFile is another file: the caller reads it with `parseEnvFile` and passes the variables;
 * without them the unresolved variables are listed on the worker.
 */
import type { WorkerFact } from '../../model/types';
import { workersFromSegment } from './command';
import { type Vars, tokenize } from './shellwords';
import { Doc, type Segment, at, slice, stem, logicalLineEnd } from './source';

interface Entry { key: string; value: Segment }

/** `Key=value` lines of a unit (a trailing backslash continues the line). */
function entries(doc: Doc): Entry[] {
  const t = doc.text;
  const out: Entry[] = [];
  const re = /^[ \t]*([A-Za-z]+)[ \t]*=[ \t]*/gm;
  for (let m; (m = re.exec(t));) {
    const s = m.index + m[0].length;
    const e = logicalLineEnd(t, s);
    out.push({ key: m[1], value: slice(doc, s, e) });
    re.lastIndex = Math.max(re.lastIndex, e);
  }
  return out;
}

/** EnvironmentFile= paths of a unit, as written (without the optional `-` prefix). */
export function environmentFiles(text: string): string[] {
  try {
    return entries(new Doc('', text)).filter((e) => e.key === 'EnvironmentFile').map((e) => e.value.text.trim().replace(/^-/, '')).filter(Boolean);
  } catch { return [] }
}

export function systemdWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const es = entries(doc);
  const v: Vars = new Map();
  for (const e of es) {
    if (e.key !== 'Environment') continue;
    for (const w of tokenize(e.value).flat()) {
      const eq = w.value.indexOf('=');
      if (eq > 0) v.set(w.value.slice(0, eq), { text: w.value.slice(eq + 1), pos: w.pos.slice(eq + 1) });
    }
  }
  for (const [k, x] of vars ?? []) v.set(k, x);
  const name = stem(doc.file).replace(/@$/, '');
  const out: WorkerFact[] = [];
  for (const e of es) {
    if (e.key !== 'ExecStart') continue;
    let k = 0;
    while (k < e.value.text.length && '-@+!:'.includes(e.value.text[k])) k++;
    const seg: Segment = { text: e.value.text.slice(k), pos: e.value.pos.slice(k), end: e.value.end };
    out.push(...workersFromSegment(seg, { name, runsOn: `systemd unit ${name}`, vars: v }));
  }
  return out;
}

/** Variables of a shell-syntax environment file (`/etc/default/celeryd`, `celery.conf`), in order. */
export function parseEnvFile(path: string, text: string, base?: Vars): Vars {
  const vars: Vars = new Map(base ?? []);
  try {
    const doc = new Doc(path, text);
    tokenize(slice(doc, 0, text.length), { vars, track: true });
  } catch { /* what was read so far */ }
  return vars;
}

/** A Celery daemon configuration file (defines CELERYD_NODES). */
export function isCeleryEnvFile(text: string): boolean {
  return /^\s*(?:export\s+)?CELERYD_NODES=/m.test(text);
}

/**
 * Workers the generic init script (`/etc/init.d/celeryd`) starts from a daemon configuration file:
 * `celery --app=$CELERY_APP multi start $CELERYD_NODES $CELERYD_OPTS`. Use it only for a file no unit
 * refers to (else the unit's workers already cover it). Locations point at the CELERYD_NODES line.
 */
export function workersFromEnvFile(path: string, text: string): WorkerFact[] {
  try {
    const vars = parseEnvFile(path, text);
    const nodes = vars.get('CELERYD_NODES');
    if (!nodes) return [];
    const doc = new Doc(path, text);
    const m = /^\s*(?:export\s+)?CELERYD_NODES=/m.exec(text);
    const o = m ? m.index + m[0].length - 'CELERYD_NODES='.length : 0;
    const synth = `${vars.has('CELERY_BIN') ? '$CELERY_BIN' : 'celery'}${vars.has('CELERY_APP') ? ' -A $CELERY_APP' : ''} multi start $CELERYD_NODES $CELERYD_OPTS`;
    const ref = at(doc, o, o + 'CELERYD_NODES'.length);
    const seg: Segment = { text: synth, pos: [...synth].map(() => ref), end: ref };
    if (!vars.has('CELERYD_OPTS')) vars.set('CELERYD_OPTS', { text: '' });
    return workersFromSegment(seg, { name: stem(path), runsOn: `celeryd init script (${stem(path)})`, vars });
  } catch { return [] }
}
