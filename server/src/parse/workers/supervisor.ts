/**
 * supervisord configuration: `[program:x]` sections, `command=` (continuation lines indented), inline
 * comments (` ;`), `%(program_name)s` / `%(ENV_X)s` expansions and `environment=A="x",B=y`.
 */
import type { WorkerFact } from '../../model/types';
import { workersFromSegment } from './command';
import type { Vars } from './shellwords';
import { type Doc, type P, type Segment, at, slice } from './source';

export function supervisorWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  for (const s of sections(doc)) {
    const m = /^(program|fcgi-program):(.+)$/.exec(s.name.trim());
    const command = s.keys.get('command');
    if (!m || !command) continue;
    const name = m[2].trim();
    const v = new Map(vars ?? []);
    const env = s.keys.get('environment');
    if (env) {
      const re = /([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|[^,]*)/g;
      for (let e; (e = re.exec(env.text));) {
        const inner = e[3] ?? e[4] ?? e[2];
        const off = e.index + e[1].length + 1 + (e[3] !== undefined || e[4] !== undefined ? 1 : 0);
        v.set(e[1], { text: inner, pos: env.pos.slice(off, off + inner.length) });
      }
    }
    out.push(...workersFromSegment(expand(command, name), { name, runsOn: `supervisor program "${name}"`, vars: v }));
  }
  return out;
}

interface Section { name: string; keys: Map<string, Segment> }

/** INI sections; a value continues on following indented lines; inline comments need a space before. */
function sections(doc: Doc): Section[] {
  const t = doc.text;
  const out: Section[] = [];
  let cur: Section | undefined;
  let key: string | undefined;
  let off = 0;
  for (const line of t.split('\n')) {
    const start = off;
    off += line.length + 1;
    const body = line.replace(/\r$/, '');
    if (/^\s*[;#]/.test(body) || !body.trim()) { key = undefined; continue }
    const h = /^\[([^\]]*)\]/.exec(body);
    if (h) { cur = { name: h[1], keys: new Map() }; out.push(cur); key = undefined; continue }
    if (!cur) continue;
    const ci = body.search(/\s[;#]/);
    const end = start + (ci >= 0 ? ci : body.length);
    if (/^\s/.test(body) && key) {
      const prev = cur.keys.get(key)!;
      const s = start + body.search(/\S/);
      const add = slice(doc, s, end);
      cur.keys.set(key, { text: prev.text + ' ' + add.text, pos: [...prev.pos, at(doc, start - 1), ...add.pos], end: add.end });
      continue;
    }
    const kv = /^([^=:\s]+)\s*[=:]\s*/.exec(body);
    if (!kv) { key = undefined; continue }
    key = kv[1].toLowerCase();
    let e = end;
    while (e > start + kv[0].length && /\s/.test(t[e - 1])) e--;
    cur.keys.set(key, slice(doc, start + kv[0].length, e));
  }
  return out;
}

/** `%(program_name)s` → the name; `%(ENV_X)s` → `${X}` (a variable); `%%` → `%`. */
function expand(seg: Segment, program: string): Segment {
  const text: string[] = [], pos: P[] = [];
  const t = seg.text;
  for (let i = 0; i < t.length;) {
    const m = /^%\(([A-Za-z0-9_]+)\)[-#0 +]*[0-9]*[sdi]/.exec(t.slice(i, i + 80));
    if (m) {
      const ref = at(seg.pos[i].d, seg.pos[i].o, seg.pos[i + m[0].length - 1].e);
      const rep = m[1] === 'program_name' ? program : m[1].startsWith('ENV_') ? `\${${m[1].slice(4)}}` : m[1] === 'process_num' ? '0' : m[0];
      for (const c of rep) { text.push(c); pos.push(ref) }
      i += m[0].length; continue;
    }
    if (t[i] === '%' && t[i + 1] === '%') { text.push('%'); pos.push(seg.pos[i]); i += 2; continue }
    text.push(t[i]); pos.push(seg.pos[i]); i++;
  }
  return { text: text.join(''), pos, end: seg.end };
}
