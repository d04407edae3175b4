/**
 * YAML: docker compose files (`services.<name>.command` / `entrypoint`, string or list, anchors, merge
 * keys, same-file `extends`, `environment`) and everything else container-like — Kubernetes manifests
 * (multi-document; containers' `command` + `args`, `env`, `$(VAR)`), Helm templates (`{{ }}` masked
 * before parsing and kept as unknown values) and Helm values files.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { WorkerFact } from '../../model/types';
import { type Context, workersFromArgv, workersFromCommands } from './command';
import { type TokenizeOptions, type Vars, type Word, tokenize } from './shellwords';
import { type Doc, type P, type Segment, aligned, basename, stem } from './source';

const MASK = '\uE000';

/** `{{ ... }}` → same-length placeholders (whole-line directives → spaces), so YAML still parses. */
function mask(text: string): string {
  if (!text.includes('{{')) return text;
  return text.replace(/^([ \t]*)((?:\{\{[\s\S]*?\}\}[ \t]*)+)$/gm, (_m, ind: string, body: string) => ind + body.replace(/[^\n]/g, ' '))
    .replace(/\{\{[\s\S]*?\}\}/g, (m) => m.replace(/[^\n]/g, MASK));
}

type N = unknown;

class Reader {
  readonly masked: string;
  constructor(readonly doc: Doc) { this.masked = mask(doc.text) }

  resolve(n: N, y: Document, depth = 0): N {
    while (isAlias(n) && depth++ < 20) n = n.resolve(y);
    return n;
  }

  /** A key of a map, following merge keys (`<<: *base`). */
  get(map: N, key: string, y: Document, depth = 0): N {
    map = this.resolve(map, y);
    if (!isMap(map) || depth > 10) return undefined;
    let merged: N;
    for (const p of map.items) {
      const k = isScalar(p.key) ? p.key.value : p.key;
      if (k === key) return this.resolve(p.value, y);
      if (k === '<<' || typeof k === 'symbol') merged = p.value;
    }
    const m = this.resolve(merged, y);
    for (const src of isSeq(m) ? m.items : m ? [m] : []) {
      const v = this.get(src, key, y, depth + 1);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  text(n: N): string | undefined {
    return this.segment(n)?.text;
  }

  /** A scalar's decoded text with positions; Helm placeholders turned back into the template text. */
  segment(n: N, compose = false): Segment | undefined {
    if (!isScalar(n) || !n.range || n.value === null || typeof n.value === 'object') return undefined;
    const [s, e] = n.range;
    let rs = s, re = e, decoded: string;
    if (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') { rs = s + 1; re = Math.max(rs, e - 1); decoded = String(n.value) }
    else if (n.type === 'BLOCK_FOLDED' || n.type === 'BLOCK_LITERAL') { const nl = this.masked.indexOf('\n', s); rs = nl < 0 || nl > e ? e : nl + 1; decoded = String(n.value) }
    else decoded = typeof n.value === 'string' ? n.value : this.masked.slice(s, e);
    const seg = aligned(this.doc, decoded, rs, re, this.masked);
    if (seg.text.includes(MASK)) seg.text = [...seg.text].map((c, i) => (c === MASK ? this.doc.text[seg.pos[i].o] ?? c : c)).join('');
    return compose && seg.text.includes('$$') ? composeUnescape(seg) : seg;
  }

  /** A `command` value: a string (shell syntax: several commands) or a list (one argv). */
  commands(n: N, y: Document, opts: TokenizeOptions, compose = false): Word[][] | undefined {
    n = this.resolve(n, y);
    const seg = this.segment(n, compose);
    if (seg) return tokenize(seg, { ...opts, vars: new Map(opts.vars ?? []) });
    if (!isSeq(n)) return undefined;
    const words: Word[] = [];
    for (const item of n.items) {
      const s = this.segment(this.resolve(item, y), compose);
      const w = s && tokenize(s, { ...opts, mode: 'word' })[0]?.[0];
      if (w) words.push(w);
    }
    return [words];
  }
}

/** Flow collections (`[`, `{`) nested deeper than this are not a worker definition: such a file is not parsed. The
 * YAML parser recurses once per level, and 3,000 levels left V8 unable to compile the next regular expression
 * (a fatal "RegExpCompiler Allocation failed", found by the fuzzer). */
const MAX_FLOW_DEPTH = 64;

/** The deepest nesting of `[` / `{` (over-counting a stray bracket in a comment or string, never under-counting). */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) { if (++depth > max) max = depth; } // [ {
    else if ((c === 93 || c === 125) && depth > 0) depth--; // ] }
  }
  return max;
}

export function yamlWorkers(doc: Doc, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  if (flowDepth(doc.text) > MAX_FLOW_DEPTH) return out;
  const r = new Reader(doc);
  let docs: Document[];
  try { docs = parseAllDocuments(r.masked, { merge: true, uniqueKeys: false }) as Document[] } catch { return out }
  if (!Array.isArray(docs)) return out;
  const composeName = /^(?:docker-)?compose\b.*\.ya?ml$/i.test(basename(doc.file));
  for (const y of docs) {
    try {
      const services = r.get(y.contents, 'services', y);
      if (isMap(services) && (composeName || r.get(y.contents, 'kind', y) === undefined)) out.push(...compose(r, y, services, vars));
      else out.push(...generic(r, y, vars));
    } catch { /* next document */ }
  }
  return out;
}

function compose(r: Reader, y: Document, services: N, vars?: Vars): WorkerFact[] {
  const out: WorkerFact[] = [];
  if (!isMap(services)) return out;
  const byName = new Map<string, N>();
  for (const p of services.items) { const k = r.text(p.key); if (k) byName.set(k, p.value) }
  const lookup = (svc: N, key: string, depth = 0): N => {
    const v = r.get(svc, key, y);
    if (v !== undefined || depth > 5) return v;
    const ext = r.get(svc, 'extends', y);
    const target = r.text(ext) ?? (r.get(ext, 'file', y) === undefined ? r.text(r.get(ext, 'service', y)) : undefined);
    return target && byName.has(target) ? lookup(byName.get(target), key, depth + 1) : undefined;
  };
  for (const [name, svc] of byName) {
    const v: Vars = new Map(vars ?? []);
    const env = r.resolve(lookup(svc, 'environment'), y);
    if (isMap(env)) {
      for (const p of env.items) {
        const k = r.text(p.key), s = r.segment(r.resolve(p.value, y));
        if (k && s) v.set(k, { text: s.text, pos: s.pos });
      }
    } else if (isSeq(env)) {
      for (const item of env.items) {
        const s = r.segment(r.resolve(item, y));
        const eq = s?.text.indexOf('=') ?? -1;
        if (s && eq > 0) v.set(s.text.slice(0, eq), { text: s.text.slice(eq + 1), pos: s.pos.slice(eq + 1) });
      }
    }
    const opts: TokenizeOptions = { vars: v };
    const entry = r.commands(lookup(svc, 'entrypoint'), y, opts, true);
    const cmd = r.commands(lookup(svc, 'command'), y, opts, true);
    const ctx: Context = { name, runsOn: `docker compose service "${name}"`, vars: v, implicitCelery: !entry };
    if (entry && cmd) out.push(...workersFromArgv([...entry.flat(), ...cmd.flat()], ctx));
    else if (entry ?? cmd) out.push(...workersFromCommands((entry ?? cmd)!, ctx));
  }
  return out;
}

/** docker compose's own interpolation escape: `$$` is a `$` for the container. */
function composeUnescape(seg: Segment): Segment {
  const text: string[] = [], pos: P[] = [];
  for (let i = 0; i < seg.text.length; i++) {
    if (seg.text[i] === '$' && seg.text[i + 1] === '$') i++;
    text.push(seg.text[i]); pos.push(seg.pos[i]);
  }
  return { text: text.join(''), pos, end: seg.end };
}

interface Candidate { map: N; key?: string; container?: string }

function generic(r: Reader, y: Document, vars?: Vars): WorkerFact[] {
  const found: Candidate[] = [];
  const seen = new Set<N>();
  const walk = (n: N, key: string | undefined, depth: number) => {
    n = r.resolve(n, y);
    if (depth > 60 || seen.has(n)) return;
    seen.add(n);
    if (isMap(n)) {
      const c = r.get(n, 'command', y), a = r.get(n, 'args', y);
      if ((c !== undefined && (isSeq(c) || isScalar(c))) || isSeq(a)) found.push({ map: n, key, container: r.text(r.get(n, 'name', y)) });
      for (const p of n.items) walk(p.value, r.text(p.key), depth + 1);
    } else if (isSeq(n)) {
      for (const item of n.items) walk(item, key, depth + 1);
    }
  };
  walk(y.contents, undefined, 0);
  const root = y.contents;
  const docName = r.text(r.get(r.get(root, 'metadata', y), 'name', y));
  const kind = r.text(r.get(root, 'kind', y));
  const out: WorkerFact[] = [];
  const facts = found.map((c) => {
    const v: Vars = new Map(vars ?? []);
    const env = r.get(c.map, 'env', y);
    if (isSeq(env)) {
      for (const e of env.items) {
        const k = r.text(r.get(e, 'name', y)), s = r.segment(r.get(e, 'value', y));
        if (k && s) v.set(k, { text: s.text, pos: s.pos });
      }
    }
    const opts: TokenizeOptions = { vars: v, k8s: !!kind };
    const cmd = r.commands(r.get(c.map, 'command', y), y, opts);
    const args = r.commands(r.get(c.map, 'args', y), y, opts);
    const name = docName ? (found.length > 1 && c.container ? `${docName}/${c.container}` : docName) : c.container ?? c.key ?? stem(r.doc.file);
    const ctx: Context = { name, runsOn: kind ? `Kubernetes ${kind} ${docName ?? ''}`.trim() : `${basename(r.doc.file)}`, vars: v, implicitCelery: !cmd };
    if (cmd && args) return workersFromArgv([...cmd.flat(), ...args.flat()], ctx);
    return workersFromCommands((cmd ?? args)!, ctx);
  });
  for (const f of facts) out.push(...f);
  return out;
}
