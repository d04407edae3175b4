/**
 * Django management commands. Django calls `Command.handle(self, *args, **options)` with the options the
 * class declares in `add_arguments(self, parser)`; a send in handle() that reads `options['queue']` or
 * `options.get('queue')` gets that option's default — what runs unless the command line gives the option,
 * the same footing as an environment variable's default.
 */
import type { Expr, Span, Stmt } from '../parse/ir';
import type { DictEntry, Loc, Value } from './types';

type ClassStmt = Extract<Stmt, { s: 'class' }>;
type DefStmt = Extract<Stmt, { s: 'def' }>;

/** `<app>.management.commands.<name>`, the only modules Django loads commands from. */
const COMMAND_MODULE = /(?:^|\.)management\.commands\.[^.]+$/;

/** The `**options` parameter of a management command's handle(), when `def` is one. */
export function commandOptionsParam(module: string, cls: ClassStmt | undefined, def: DefStmt): string | undefined {
  if (!cls || cls.name !== 'Command' || def.name !== 'handle' || !COMMAND_MODULE.test(module)) return undefined;
  return def.sig.find((p) => p.kind === 'dstar')?.name;
}

/**
 * The options handle() receives when the command line gives none: each option's dest → its default
 * (argparse's: `store_true` → False, `store_false` → True, otherwise None).
 */
export function commandOptionDefaults(cls: ClassStmt, evaluate: (e: Expr) => Value, locOf: (e: { r: Span }) => Loc): Value {
  const entries: DictEntry[] = [];
  for (const o of declaredOptions(cls)) {
    if (!o.dest) continue;
    const given = o.kw('default');
    const action = o.kw('action');
    const at = locOf(given ?? o.call);
    const value: Value = given ? evaluate(given)
      : action?.t === 'str' && action.v === 'store_true' ? { kind: 'bool', value: false, loc: at }
      : action?.t === 'str' && action.v === 'store_false' ? { kind: 'bool', value: true, loc: at }
      : { kind: 'none', loc: at };
    entries.push({ key: { kind: 'str', value: o.dest, loc: at }, value });
  }
  return { kind: 'dict', entries, loc: locOf(cls.body.find((st) => st.s === 'def' && st.name === 'add_arguments') ?? cls) };
}

type Call = Extract<Expr, { t: 'call' }>;
interface DeclaredOption { call: Call; flags: string[]; dest?: string; kw(name: string): Expr | undefined }

/** The options a command class declares: each `add_argument(...)` of its add_arguments(), with argparse's dest. */
function declaredOptions(cls: ClassStmt): DeclaredOption[] {
  const addArguments = cls.body.find((st): st is DefStmt => st.s === 'def' && st.name === 'add_arguments');
  return addArgumentCalls(addArguments?.body ?? []).map((call) => {
    const flags = call.args.filter((a): a is Extract<Expr, { t: 'str' }> => a.t === 'str').map((a) => a.v);
    const kw = (name: string) => call.kwargs.find((k) => k.name === name)?.value;
    return { call, flags, dest: destOf(flags, kw('dest')), kw };
  });
}

/** The `Command` class of a management command's module. */
function commandClass(module: { body: Stmt[] }): ClassStmt | undefined {
  return module.body.find((st): st is ClassStmt => st.s === 'class' && st.name === 'Command');
}

/** argparse's dest: `dest=`, else the first long flag (`--dry-run` → `dry_run`), else the first short one, else a positional's name. */
function destOf(flags: string[], dest: Expr | undefined): string | undefined {
  if (dest) return dest.t === 'str' ? dest.v : undefined;
  const pick = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => f.startsWith('-')) ?? flags[0];
  return pick?.replace(/^-+/, '').replace(/-/g, '_') || undefined;
}

/** Every `<x>.add_argument(...)` of a body (a parser, an argument group), in ifs too. */
function addArgumentCalls(body: Stmt[]): Call[] {
  const out: Call[] = [];
  for (const st of body) {
    if (st.s === 'expr' && st.e.t === 'call' && st.e.fn.t === 'attr' && st.e.fn.name === 'add_argument') out.push(st.e);
    else if (st.s === 'if') out.push(...addArgumentCalls(st.body), ...addArgumentCalls(st.orelse));
    else if (st.s === 'for') out.push(...addArgumentCalls(st.body));
  }
  return out;
}

/**
 * The celery command line a management command's module builds — `opts = ['celery', '--app=' +
 * options['app'], 'worker', ...]` handed to celery's main, or a `'celery -A proj worker ...'` string run by a
 * subprocess — as shell text, with the invocation's options (`hue runcelery worker --app desktop.celery`)
 * or their add_argument defaults put in. A part that cannot be read becomes `${name}`: unresolved, said.
 */
export function commandCeleryLine(module: { body: Stmt[] }, args: string[]): string | undefined {
  const cls = commandClass(module);
  const options = cls ? optionValues(cls, args) : new Map<string, string | undefined>();
  let found: string | undefined;
  const visit = (x: unknown): void => {
    if (found !== undefined || x === null || typeof x !== 'object') return;
    const e = x as Expr;
    const from = e.t === 'list' || e.t === 'tuple' ? e.items.findIndex((i) => i.t === 'str' && /(?:^|\/)celery$/.test(i.v)) : -1;
    if (from >= 0 && (e.t === 'list' || e.t === 'tuple')) { found = e.items.slice(from).map((i) => shellWord(i, options)).join(' '); return; }
    // a command line, not prose that mentions one ("Run celery worker.")
    if (e.t === 'str' && /^\s*(?:\S*\/)?(?:celery|python[\d.]* -m celery)\s(?:[\s\S]*\s)?worker\b/.test(e.v)) { found = e.v; return; }
    for (const k in x) if (k !== 'r' && k !== 'nameR') visit((x as Record<string, unknown>)[k]);
  };
  visit(module.body);
  return found;
}

/** The options `add_argument(..., required=True)` declares that `args` does not give: argparse exits on them. */
export function missingRequiredOptions(module: { body: Stmt[] }, args: string[]): Array<{ flag: string; r: Span }> {
  const cls = commandClass(module);
  const out: Array<{ flag: string; r: Span }> = [];
  for (const o of cls ? declaredOptions(cls) : []) {
    const required = o.kw('required');
    const flags = o.flags.filter((f) => f.startsWith('-'));
    if (required?.t !== 'bool' || !required.v || !flags.length) continue;
    if (!args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)))) out.push({ flag: flags[flags.length - 1], r: o.call.r });
  }
  return out;
}

/** Each option's value: given in `args` (`--app x`, `--app=x`), else its add_argument default when written as a literal. */
function optionValues(cls: ClassStmt, args: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const o of declaredOptions(cls)) {
    if (!o.dest) continue;
    const def = o.kw('default');
    let value = def?.t === 'str' ? def.v : def?.t === 'num' ? String(def.v) : undefined;
    for (let k = 0; k < args.length; k++) {
      for (const f of o.flags.filter((x) => x.startsWith('-'))) {
        if (args[k] === f && k + 1 < args.length) value = args[k + 1];
        else if (args[k].startsWith(`${f}=`)) value = args[k].slice(f.length + 1);
      }
    }
    out.set(o.dest, value);
  }
  return out;
}

/** One argv item as shell text: literal parts quoted where the shell needs it, unknown parts `${name}`. */
function shellWord(e: Expr, options: Map<string, string | undefined>): string {
  type Piece = { lit: string } | { unknown: string };
  const unknown = (hint: string): Piece[] => [{ unknown: hint.replace(/\W+/g, '_').replace(/^_+|_+$/g, '') || 'VALUE' }];
  const optionName = (x: Expr): string | undefined => {
    if (x.t === 'subscript' && x.index.t === 'str') return x.index.v;
    if (x.t === 'call' && x.fn.t === 'attr' && x.fn.name === 'get' && x.args[0]?.t === 'str') return x.args[0].v;
    return undefined;
  };
  const pieces = (x: Expr): Piece[] => {
    switch (x.t) {
      case 'str': return [{ lit: x.v }];
      case 'num': return [{ lit: String(x.v) }];
      case 'fstr': return x.parts.flatMap((p) => (typeof p === 'string' ? [{ lit: p }] : pieces(p)));
      case 'binop': return x.op === '+' ? [...pieces(x.l), ...pieces(x.rgt)] : unknown('VALUE');
      case 'name': return unknown(x.id);
      case 'attr': return unknown(x.name);
    }
    const opt = optionName(x);
    if (opt !== undefined) { const v = options.get(opt); return v !== undefined ? [{ lit: v }] : unknown(opt); }
    if (x.t === 'call' && x.fn.t === 'name' && x.fn.id === 'str' && x.args[0]) return pieces(x.args[0]);
    return unknown('VALUE');
  };
  const quote = (t: string) => (/^[\w@%+=:,./-]+$/.test(t) ? t : `'${t.replace(/'/g, `'\\''`)}'`);
  let out = '', lit = '';
  for (const p of pieces(e)) {
    if ('lit' in p) { lit += p.lit; continue; }
    if (lit) { out += quote(lit); lit = ''; }
    out += `\${${p.unknown}}`;
  }
  return out + (lit || !out ? quote(lit) : '');
}
