/**
 * What a function's `**kwargs` holds, from its callers in the workspace. A send inside a wrapper
 * (`def dispatch(kind, info, countdown=0, **kwargs): run.apply_async((kind, info), countdown=countdown, **kwargs)`)
 * may take a queue from those keywords: when every caller is seen and none passes a routing option, the send's
 * route is its own; when callers pass one, it is theirs (or an Unknown that says they differ).
 */
import type { Expr, Stmt } from '../parse/ir';
import type { ModuleSource } from './modules';
import type { DictEntry, Value } from './types';
import { fingerprint } from './values';

type Call = Extract<Expr, { t: 'call' }>;
type DefStmt = Extract<Stmt, { s: 'def' }>;

/** A call of a module-level function in the workspace, and the module-level function it sits in, if any. */
export interface Caller { src: ModuleSource; call: Call; def?: DefStmt }

/** The `**param` dict of `def` as its `callers` fill it (an argument evaluated where its call is); an Unknown when
 * that cannot be told. */
export function kwargsFromCallers(def: DefStmt, param: string, callers: Caller[], evaluate: (src: ModuleSource, e: Expr) => Value): Value {
  const named = new Set(def.sig.filter((p) => p.kind !== 'star' && p.kind !== 'dstar').map((p) => p.name));
  const at = (c: { src: ModuleSource; call: Call }) => `${c.src.module}:${c.call.r[0] + 1}`;
  if (!callers.length) return { kind: 'unknown', reason: `parameter '**${param}' of ${def.name}(), set by its callers (none in the workspace)` };
  // per keyword: the value each caller passes (undefined: that caller does not pass it)
  const byKey = new Map<string, Array<Value | undefined>>();
  for (const [k, c] of callers.entries()) {
    const passed = new Map<string, Value>();
    for (const kw of c.call.kwargs) {
      if (kw.name === null) {
        const v = evaluate(c.src, kw.value);
        if (v.kind !== 'dict' || v.entries.some((e) => e.key.kind !== 'str')) {
          return { kind: 'unknown', reason: `parameter '**${param}' of ${def.name}(): a caller passes keywords that cannot be read (${at(c)})` };
        }
        for (const e of v.entries) if (e.key.kind === 'str' && !named.has(e.key.value)) passed.set(e.key.value, e.value);
      } else if (!named.has(kw.name)) passed.set(kw.name, evaluate(c.src, kw.value));
    }
    for (const [key, v] of passed) {
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = new Array<Value | undefined>(callers.length).fill(undefined)));
      list[k] = v;
    }
  }
  const entries: DictEntry[] = [];
  for (const [key, vs] of byKey) {
    const first = vs[0];
    const same = first !== undefined && first.kind !== 'unknown' && vs.every((v) => v !== undefined && fingerprint(v) === fingerprint(first));
    entries.push({ key: { kind: 'str', value: key }, value: same ? first : { kind: 'unknown', reason: `'${key}' in **${param} of ${def.name}() differs between its ${callers.length} callers (${callers.map(at).join(', ')})` } });
  }
  return { kind: 'dict', entries };
}

/** Calls in a module whose callee is named `name` (`name(...)`, `x.name(...)`); per module version and name. */
export function callsNamed(src: ModuleSource, name: string): Call[] {
  let perName = memo.get(src);
  if (!perName) memo.set(src, (perName = new Map()));
  let hit = perName.get(name);
  if (hit) return hit;
  const out: Call[] = (hit = []);
  const stack: unknown[] = [src.ir.body];
  while (stack.length) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if (Array.isArray(x)) { for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]); continue; }
    const e = x as Record<string, unknown>;
    if (e.t === 'call') {
      const fn = (x as Call).fn;
      if ((fn.t === 'name' && fn.id === name) || (fn.t === 'attr' && fn.name === name)) out.push(x as Call);
    }
    for (const k in e) if (k !== 'r' && k !== 'nameR') stack.push(e[k]);
  }
  perName.set(name, out);
  return out;
}
const memo = new WeakMap<ModuleSource, Map<string, Call[]>>();
