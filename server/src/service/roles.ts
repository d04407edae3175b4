/**
 * What a string literal stands for in Celery routing terms, from where it is written: `Queue('x')` declares
 * a queue, `queue='x'` names one, `routing_key='a.*'` in a Queue is a binding pattern, a key of the
 * `task_routes` dict is a task name pattern... Lexical (see pylex.ts), so it works on any buffer.
 */
import { type Tok } from './pylex';
import { settingStyle } from '../routing/settings';

export type Role =
  | 'queue-decl' | 'queue' | 'exchange-decl' | 'exchange' | 'exchange-type'
  | 'binding-key' | 'routing-key' | 'task-name' | 'task-name-decl' | 'route-key' | 'router-path' | 'setting-name';

/** Where a value sits. */
export type Slot =
  | { kind: 'kwarg'; name: string; callee: string; open: number }
  | { kind: 'pos'; index: number; callee: string; open: number }
  | { kind: 'dict-key'; open: number }
  | { kind: 'dict-value'; key: string; open: number }
  | { kind: 'elem'; index: number; open: number }
  | { kind: 'assign'; target: string }
  | { kind: 'other' };

export interface StringRole {
  role: Role;
  /** The Celery setting the value belongs to (canonical new name), if any. */
  setting?: string;
  slot: Slot;
}

const QUEUE_CALLEES = new Set(['Queue', 'Broadcast']);
const last = (dotted: string) => dotted.slice(dotted.lastIndexOf('.') + 1);

/** Dotted callee before an open paren: `kombu.Queue(` → 'kombu.Queue'; '' for a plain tuple. */
export function calleeBefore(toks: Tok[], open: number): string {
  if (toks[open]?.v !== '(') return '';
  let j = open - 1;
  const parts: string[] = [];
  while (j >= 0 && toks[j].k === 'name') {
    parts.unshift(toks[j].v);
    if (toks[j - 1]?.v === '.') j -= 2; else break;
  }
  if (toks[j]?.v === ')' || toks[j]?.v === ']') return parts.length ? parts.join('.') : '()';
  return parts.join('.');
}

/** The first token of the value starting at an open bracket (a call starts at its callee). */
function valueStart(toks: Tok[], open: number): number {
  if (toks[open].v !== '(') return open;
  let j = open - 1;
  if (j < 0 || toks[j].k !== 'name') return open;
  while (toks[j - 1]?.v === '.' && toks[j - 2]?.k === 'name') j -= 2;
  return j;
}

/** The slot of the value whose first token is `start` (and, for strings, whose last token is `end`). */
export function slotOf(toks: Tok[], start: number, end = start): Slot {
  const open = toks[start].open;
  const prev = toks[start - 1];
  const next = toks[end + 1];
  if (open >= 0 && toks[open].v === '{') {
    if (next?.v === ':' && (prev?.v === '{' || prev?.v === ',')) return { kind: 'dict-key', open };
    if (prev?.v === ':' && toks[start - 2]?.k === 'str') return { kind: 'dict-value', key: toks[start - 2].v, open };
    return { kind: 'other' };
  }
  if (prev?.v === '=' && toks[start - 2]?.k === 'name') {
    if (open >= 0 && toks[open].v === '(' && (toks[start - 3]?.v === '(' || toks[start - 3]?.v === ',')) {
      return { kind: 'kwarg', name: toks[start - 2].v, callee: calleeBefore(toks, open), open };
    }
    if (open < 0) {
      let j = start - 2;
      const parts = [toks[j].v];
      while (toks[j - 1]?.v === '.' && toks[j - 2]?.k === 'name') { parts.unshift(toks[j - 2].v); j -= 2; }
      return { kind: 'assign', target: parts.join('.') };
    }
  }
  if (open >= 0 && (prev?.v === '(' || prev?.v === '[' || prev?.v === ',')) {
    let index = 0;
    for (let j = open + 1; j < start; j++) if (toks[j].open === open && toks[j].v === ',') index++;
    // a keyword argument before makes later positionals impossible; keep the count anyway
    const callee = calleeBefore(toks, open);
    if (callee && callee !== '()') return { kind: 'pos', index, callee, open };
    return { kind: 'elem', index, open };
  }
  return { kind: 'other' };
}

/** The slot of the bracketed value opened at `open` (a call, list, tuple or dict). */
export function containerSlot(toks: Tok[], open: number): Slot {
  return slotOf(toks, valueStart(toks, open), toks[open].close ?? toks.length - 1);
}

const SETTINGS_CALL = /(^|\.)(update|Celery)$/;

/** The setting a slot names, if it names one (`task_routes = …`, `task_routes=…`, `'task_routes': …`). */
function slotSetting(toks: Tok[], slot: Slot): string | undefined {
  const name = slot.kind === 'assign' ? last(slot.target) : slot.kind === 'kwarg' ? slot.name : slot.kind === 'dict-value' ? slot.key : undefined;
  if (!name) return undefined;
  // `queue=` in apply_async is an option, not a setting: only conf.update(...) / Celery(...) take settings
  if (slot.kind === 'kwarg') return SETTINGS_CALL.test(slot.callee) ? settingStyle(name)?.key : undefined;
  if (slot.kind === 'dict-value') {
    const outer = containerSlot(toks, slot.open);
    return outer.kind === 'pos' && SETTINGS_CALL.test(outer.callee) ? settingStyle(name)?.key : undefined;
  }
  return settingStyle(name)?.key;
}

/** The chain of enclosing containers, innermost first, with their slots. */
function chain(toks: Tok[], i: number): Array<{ open: number; slot: Slot }> {
  const out: Array<{ open: number; slot: Slot }> = [];
  let o = toks[i].open;
  while (o >= 0 && out.length < 30) {
    out.push({ open: o, slot: containerSlot(toks, o) });
    o = toks[o].open;
  }
  return out;
}

/** The setting a token sits in, with the container that is the setting's value (if bracketed). */
export function settingContext(toks: Tok[], i: number): { setting: string; valueOpen: number | -1 } | undefined {
  const own = slotOf(toks, i);
  const direct = slotSetting(toks, own);
  if (direct) return { setting: direct, valueOpen: -1 };
  for (const c of chain(toks, i)) {
    const s = slotSetting(toks, c.slot);
    if (s) return { setting: s, valueOpen: c.open };
  }
  return undefined;
}

const TASK_DECORATOR = /(^|\.)(task|shared_task)$/;

/** The role of the string token at index i, if it has one. */
export function stringRole(toks: Tok[], i: number): StringRole | undefined {
  const t = toks[i];
  if (t.k !== 'str') return undefined;
  const slot = slotOf(toks, i);
  const ctx = settingContext(toks, i);
  const setting = ctx?.setting;
  const r = (role: Role): StringRole => ({ role, setting, slot });
  const inQueues = setting === 'task_queues';
  switch (slot.kind) {
    case 'kwarg': {
      const c = last(slot.callee);
      if (slot.name === 'name') {
        if (QUEUE_CALLEES.has(c)) return r('queue-decl');
        if (c === 'Exchange') return r('exchange-decl');
        if (TASK_DECORATOR.test(slot.callee)) return r('task-name-decl');
      }
      if (slot.name === 'queue') return r('queue');
      if (slot.name === 'exchange') return r('exchange');
      if (slot.name === 'exchange_type' || (slot.name === 'type' && c === 'Exchange')) return r('exchange-type');
      if (slot.name === 'routing_key' || slot.name === 'binding_key') return r(QUEUE_CALLEES.has(c) || c === 'binding' || inQueues ? 'binding-key' : 'routing-key');
      return byValueSetting(setting, slot, r);
    }
    case 'dict-value': {
      // beat_schedule = {'entry': {'task': 'proj.tasks.x', ...}}: completion, hover and go-to-definition of task names
      if (slot.key === 'task' && setting === 'beat_schedule') return r('task-name');
      if (slot.key === 'queue') return r('queue');
      if (slot.key === 'exchange') return r('exchange');
      if (slot.key === 'exchange_type') return r('exchange-type');
      if (slot.key === 'routing_key' || slot.key === 'binding_key') return r(inQueues ? 'binding-key' : 'routing-key');
      if (setting === 'task_routes' && ctx && ctx.valueOpen >= 0) return r('queue');
      return byValueSetting(setting, slot, r);
    }
    case 'dict-key': {
      if (ctx && ctx.valueOpen === slot.open && setting === 'task_routes') return r('route-key');
      if (ctx && ctx.valueOpen === slot.open && setting === 'task_queues') return r('queue-decl');
      const outer = containerSlot(toks, slot.open);
      if (outer.kind === 'pos' && /update$/.test(outer.callee) && settingStyle(t.v)) return r('setting-name');
      return undefined;
    }
    case 'pos': {
      const c = last(slot.callee);
      if (QUEUE_CALLEES.has(c)) return r(slot.index === 0 ? 'queue-decl' : slot.index === 1 ? 'exchange' : 'binding-key');
      if (c === 'Exchange') return slot.index === 0 ? r('exchange-decl') : slot.index === 1 ? r('exchange-type') : undefined;
      if (c === 'binding') return slot.index === 1 ? r('binding-key') : slot.index === 0 ? r('exchange') : undefined;
      if ((c === 'send_task' || c === 'signature') && slot.index === 0) return r('task-name');
      if (c === 'compile' && setting === 'task_routes') return r('route-key');
      return undefined;
    }
    case 'elem': {
      if (setting !== 'task_routes' || !ctx) return undefined;
      if (slot.open === ctx.valueOpen) return /\./.test(t.v) && !/\*/.test(t.v) ? r('router-path') : undefined;
      // items format: ('pattern', {...}) / ('pattern', 'queue') inside the routes list
      const parent = toks[slot.open];
      if (parent.v === '(' && slot.index === 0) return r('route-key');
      if (parent.v === '(' && slot.index === 1) return r('queue');
      return undefined;
    }
    case 'assign': return byValueSetting(setting, slot, r);
    default: return undefined;
  }
}

function byValueSetting(setting: string | undefined, slot: Slot, r: (role: Role) => StringRole): StringRole | undefined {
  if (!setting) return undefined;
  const direct = slot.kind === 'assign' || slot.kind === 'kwarg' || slot.kind === 'dict-value';
  if (!direct) return undefined;
  switch (setting) {
    case 'task_default_queue': return r('queue');
    case 'task_default_exchange': return r('exchange');
    case 'task_default_exchange_type': return r('exchange-type');
    case 'task_default_routing_key': return r('routing-key');
    case 'task_routes': return r('router-path');
    default: return undefined;
  }
}

/** Every string with a role in a text (for references, rename and symbols). */
export function rolesIn(toks: Tok[]): Array<{ index: number; role: StringRole }> {
  const out: Array<{ index: number; role: StringRole }> = [];
  for (let i = 0; i < toks.length; i++) {
    if (toks[i].k !== 'str') continue;
    const r = stringRole(toks, i);
    if (r) out.push({ index: i, role: r });
  }
  return out;
}
