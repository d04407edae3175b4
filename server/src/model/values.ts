/**
 * Python values as the evaluator knows them: dict keys and entries, iteration, truthiness, text, display.
 * Pure helpers, shared by the evaluator, the workspace model and the topology translation.
 */
import type { Expr, Stmt } from '../parse/ir';
import type { DictEntry, Loc, SymbolRef, Value } from './types';
import type { ModuleSource } from './modules';
import { redactSecrets } from './redact';

export function qualified(ref: SymbolRef): string {
  if (ref.kind === 'external') return ref.name ? `${ref.module}.${ref.name}` : ref.module;
  return ref.name ? `${ref.module}.${ref.name}` : ref.module;
}

export function resolveRelative(src: ModuleSource, module: string, level: number): string {
  if (level === 0) return module;
  const parts = src.module.split('.');
  // A package's __init__ is its own package; a plain module's package is its parent.
  const base = src.isPackage ? parts : parts.slice(0, -1);
  const up = base.slice(0, Math.max(0, base.length - (level - 1)));
  return [...up, ...(module ? [module] : [])].join('.');
}

/** Whether `from <level dots>... import` climbs above the top-level package (Python raises ImportError). */
export function beyondTopLevel(src: ModuleSource, level: number): boolean {
  if (level === 0) return false;
  const depth = src.module.split('.').length - (src.isPackage ? 0 : 1);
  return level - 1 >= depth;
}

/** A value's content wherever it is written (two callers passing equal dicts agree; `keyOf` knows scalars only). */
export function fingerprint(v: Value): string {
  return JSON.stringify(v, (k, x) => (k === 'loc' || k === 'env' || k === 'conditional' ? undefined : x));
}

export function withLoc(v: Value, loc: Loc): Value {
  return v.loc ? v : ({ ...v, loc } as Value);
}

export function keyOf(v: Value): string | undefined {
  switch (v.kind) {
    case 'str': return `s:${v.value}`;
    case 'num': return `n:${v.value}`;
    case 'bool': return `b:${v.value}`;
    case 'none': return 'none';
    case 'regex': return `re:${v.pattern}`;
    case 'ref': return `ref:${qualified(v.ref)}`;
    default: return undefined;
  }
}

/** Builds a dict in insertion order with O(1) key lookups (task_routes can have thousands of keys). */
export class DictBuilder {
  readonly entries: DictEntry[] = [];
  private readonly index = new Map<string, number>();
  set(key: Value, value: Value): void {
    const k = keyOf(key);
    const i = k === undefined ? undefined : this.index.get(k);
    // Python keeps the first insertion position and replaces the value.
    if (i !== undefined) { this.entries[i] = { key: this.entries[i].key, value }; return; }
    if (k !== undefined) this.index.set(k, this.entries.length);
    this.entries.push({ key, value });
  }
}

export function setEntry(entries: DictEntry[], key: Value, value: Value): DictEntry[] {
  const k = keyOf(key);
  const out = entries.slice();
  if (k !== undefined) {
    const i = out.findIndex((en) => keyOf(en.key) === k);
    // Python keeps the first insertion position and replaces the value.
    if (i >= 0) { out[i] = { key: out[i].key, value }; return out; }
  }
  out.push({ key, value });
  return out;
}

export function dictGet(d: Extract<Value, { kind: 'dict' }>, key: Value): Value | undefined {
  const k = keyOf(key);
  if (k === undefined) return undefined;
  return d.entries.find((en) => keyOf(en.key) === k)?.value;
}

export function iterate(v: Value): Value[] | undefined {
  if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') return v.items;
  if (v.kind === 'dict') return v.entries.map((e) => e.key);
  if (v.kind === 'str') return [...v.value].map((c) => ({ kind: 'str', value: c }));
  return undefined;
}

export function bindTarget(t: Expr, v: Value, env: Map<string, Value>): void {
  if (t.t === 'name') env.set(t.id, v);
  else if (t.t === 'tuple' || t.t === 'list') {
    const items = iterate(v);
    t.items.forEach((x, i) => bindTarget(x, items?.[i] ?? { kind: 'unknown', reason: 'unpacking' }, env));
  }
}

export function truthiness(v: Value): boolean | undefined {
  switch (v.kind) {
    case 'str': return v.value !== '';
    case 'num': return v.value !== 0;
    case 'bool': return v.value;
    case 'none': return false;
    case 'list': case 'tuple': case 'set': return v.items.length > 0;
    case 'dict': return v.entries.length > 0;
    case 'kombu': case 'regex': case 'ref': return true;
    default: return undefined;
  }
}

export function isScalar(v: Value): boolean {
  return v.kind === 'str' || v.kind === 'num' || v.kind === 'bool' || v.kind === 'none';
}

export function asText(v: Value): string | undefined {
  if (v.kind === 'str') return v.value;
  if (v.kind === 'num') return String(v.value);
  if (v.kind === 'bool') return v.value ? 'True' : 'False';
  if (v.kind === 'none') return 'None';
  return undefined;
}

/** Carry env / conditional marks from the parts into a derived value. */
export function mergeMeta(v: Value, parts: Value[]): Value {
  const env = parts.find((p) => p.env)?.env;
  const conditional = parts.some((p) => p.conditional);
  if (!env && !conditional) return v;
  return { ...v, ...(env ? { env } : {}), ...(conditional ? { conditional } : {}) } as Value;
}

export function show(v: Value): string {
  switch (v.kind) {
    case 'str': return `'${redactSecrets(v.value)}'`;
    case 'num': return String(v.value);
    case 'bool': return v.value ? 'True' : 'False';
    case 'none': return 'None';
    case 'regex': return `re.compile('${v.pattern}')`;
    default: return describe(v);
  }
}

export function describe(v: Value): string {
  if (v.kind === 'ref') return qualified(v.ref);
  if (v.kind === 'unknown') return `an unknown value (${v.reason})`;
  if (v.kind === 'kombu') return `a kombu ${v.type}`;
  return `a ${v.kind}`;
}

export function exprText(e: Expr): string {
  switch (e.t) {
    case 'name': return e.id;
    case 'attr': return `${exprText(e.obj)}.${e.name}`;
    case 'str': return `'${e.v}'`;
    case 'call': return `${exprText(e.fn)}(...)`;
    case 'opaque': return e.text.slice(0, 40);
    default: return e.t;
  }
}

/** `a.b.c` of a name / attribute chain, else undefined. */
export function dotted(e: Expr): string | undefined {
  if (e.t === 'name') return e.id;
  if (e.t === 'attr') { const o = dotted(e.obj); return o ? `${o}.${e.name}` : undefined; }
  return undefined;
}

/** Calls run at import: top-level expression statements and assignments, in branches, and in a `main()`
 *  (manage.py's `def main(): os.environ.setdefault(...)`). */
export function visitCalls(body: Stmt[], f: (c: Extract<Expr, { t: 'call' }>) => void): void {
  for (const st of body) {
    if (st.s === 'expr' && st.e.t === 'call') f(st.e);
    else if (st.s === 'assign' && st.value.t === 'call') f(st.value);
    else if (st.s === 'if') { visitCalls(st.body, f); visitCalls(st.orelse, f); }
    else if (st.s === 'def' && st.name === 'main') visitCalls(st.body, f);
  }
}
