/**
 * pyproject.toml task runners whose tasks are shell command lines: taskipy (`[tool.taskipy.tasks]`), poe
 * (`[tool.poe.tasks]`, `cmd` / `shell`), PDM (`[tool.pdm.scripts]`), Rye (`[tool.rye.scripts]`) and Hatch
 * (`[tool.hatch.envs.<env>.scripts]`, lists of commands). `[project.scripts]` / `[tool.poetry.scripts]`
 * name Python entry points, not commands. A small TOML reader keeps the origin of every string.
 */
import type { WorkerFact } from '../../model/types';
import { workersFromArgv, workersFromSegment } from './command';
import { type Vars, type Word, tokenize } from './shellwords';
import { type Doc, type Segment, aligned, slice } from './source';

type TVal = { k: 'str'; seg: Segment } | { k: 'arr'; items: TVal[] } | { k: 'tbl'; entries: [string[], TVal][] } | { k: 'other' };

class Toml {
  i = 0;
  constructor(readonly doc: Doc) {}
  get t() { return this.doc.text }

  ws(nl: boolean) {
    const t = this.t;
    while (this.i < t.length) {
      const c = t[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || (nl && c === '\n')) this.i++;
      else if (c === '#') { while (this.i < t.length && t[this.i] !== '\n') this.i++ }
      else break;
    }
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.ws(false);
      const c = this.t[this.i];
      if (c === '"' || c === "'") { const v = this.value(); parts.push(v.k === 'str' ? v.seg.text : '') }
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.t.slice(this.i, this.i + 200));
        if (!m) break;
        parts.push(m[0]); this.i += m[0].length;
      }
      this.ws(false);
      if (this.t[this.i] !== '.') break;
      this.i++;
    }
    return parts;
  }

  value(): TVal {
    const t = this.t, s = this.i;
    for (const q of ['"""', "'''"]) {
      if (t.startsWith(q, s)) {
        const e = t.indexOf(q, s + 3);
        const end = e < 0 ? t.length : e;
        this.i = e < 0 ? t.length : e + 3;
        let a = s + 3;
        if (t[a] === '\n') a++; else if (t[a] === '\r' && t[a + 1] === '\n') a += 2;
        const raw = t.slice(a, end);
        const text = q === "'''" ? raw : raw.replace(/\\\r?\n\s*/g, '').replace(/\\(["\\tnr])/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r' }[c] ?? c));
        return { k: 'str', seg: q === "'''" ? slice(this.doc, a, end) : aligned(this.doc, text, a, end) };
      }
    }
    if (t[s] === "'") {
      const e = t.indexOf("'", s + 1);
      const end = e < 0 ? t.length : e;
      this.i = end + 1;
      return { k: 'str', seg: slice(this.doc, s + 1, end) };
    }
    if (t[s] === '"') {
      let e = s + 1;
      while (e < t.length && t[e] !== '"' && t[e] !== '\n') e += t[e] === '\\' ? 2 : 1;
      this.i = e + 1;
      let text: string;
      try { text = JSON.parse(t.slice(s, e + 1)) as string } catch { text = t.slice(s + 1, e) }
      return { k: 'str', seg: aligned(this.doc, text, s + 1, e) };
    }
    if (t[s] === '[') {
      this.i++;
      const items: TVal[] = [];
      for (let guard = 0; guard < 100000; guard++) {
        this.ws(true);
        if (this.i >= t.length || t[this.i] === ']') { this.i++; break }
        if (t[this.i] === ',') { this.i++; continue }
        const before = this.i;
        items.push(this.value());
        if (this.i === before) this.i++;
      }
      return { k: 'arr', items };
    }
    if (t[s] === '{') {
      this.i++;
      const entries: [string[], TVal][] = [];
      for (let guard = 0; guard < 100000; guard++) {
        this.ws(true);
        if (this.i >= t.length || t[this.i] === '}') { this.i++; break }
        if (t[this.i] === ',') { this.i++; continue }
        const before = this.i;
        const k = this.key();
        this.ws(false);
        if (t[this.i] === '=') { this.i++; this.ws(false); entries.push([k, this.value()]) }
        if (this.i === before) this.i++;
      }
      return { k: 'tbl', entries };
    }
    while (this.i < t.length && !/[,\]}\n#]/.test(t[this.i])) this.i++;
    return { k: 'other' };
  }

  /** Every `(full dotted key, value)` of the document. */
  entries(): [string[], TVal][] {
    const out: [string[], TVal][] = [];
    const t = this.t;
    let table: string[] = [];
    while (this.i < t.length) {
      this.ws(true);
      if (this.i >= t.length) break;
      const before = this.i;
      if (t[this.i] === '[') {
        const arr = t[this.i + 1] === '[';
        this.i += arr ? 2 : 1;
        table = this.key();
        while (this.i < t.length && t[this.i] !== '\n') this.i++;
        continue;
      }
      const k = this.key();
      this.ws(false);
      if (k.length && t[this.i] === '=') {
        this.i++; this.ws(false);
        const v = this.value();
        const flat = (path: string[], val: TVal) => {
          out.push([path, val]);
          if (val.k === 'tbl') for (const [kk, vv] of val.entries) flat([...path, ...kk], vv);
        };
        flat([...table, ...k], v);
      }
      while (this.i < t.length && t[this.i] !== '\n') this.i++;
      if (this.i === before) this.i++;
    }
    return out;
  }
}

const RUNNERS: [RegExp, string][] = [
  [/^tool\.taskipy\.tasks\.([^.]+)(?:\.cmd)?$/, 'taskipy'],
  [/^tool\.poe\.tasks\.([^.]+)(?:\.(?:cmd|shell))?$/, 'poe'],
  [/^tool\.pdm\.scripts\.([^.]+)(?:\.(?:cmd|shell))?$/, 'pdm'],
  [/^tool\.rye\.scripts\.([^.]+)(?:\.cmd)?$/, 'rye'],
  [/^tool\.hatch\.envs\.[^.]+\.scripts\.([^.]+)$/, 'hatch'],
];

export function pyprojectWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  for (const [path, v] of new Toml(doc).entries()) {
    const key = path.join('.');
    for (const [re, runner] of RUNNERS) {
      const m = re.exec(key);
      if (!m) continue;
      const ctx = { name: m[1], runsOn: `${runner} task "${m[1]}" (pyproject.toml)`, vars };
      const isCmdKey = /\.cmd$/.test(key) && runner !== 'taskipy';
      // poe / pdm / rye `cmd` tasks are split like shlex (no shell): a newline is only whitespace
      const shellish = runner === 'taskipy' || runner === 'hatch' || key.endsWith('.shell');
      if (v.k === 'str') out.push(...workersFromSegment(shellish ? v.seg : { ...v.seg, text: v.seg.text.replace(/\r?\n/g, (m) => ' '.repeat(m.length)) }, ctx));
      else if (v.k === 'arr' && isCmdKey) {
        const words = v.items.flatMap((it): Word[] => (it.k === 'str' ? tokenize(it.seg, { mode: 'word' })[0] ?? [] : []));
        out.push(...workersFromArgv(words, ctx));
      } else if (v.k === 'arr') {
        for (const it of v.items) {
          if (it.k === 'str') out.push(...workersFromSegment(it.seg, ctx));
          else if (it.k === 'tbl') for (const [kk, vv] of it.entries) if ((kk[0] === 'cmd' || kk[0] === 'shell') && vv.k === 'str') out.push(...workersFromSegment(vv.seg, ctx));
        }
      }
      break;
    }
  }
  return out;
}
