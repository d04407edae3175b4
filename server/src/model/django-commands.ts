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
  const addArguments = cls.body.find((st): st is DefStmt => st.s === 'def' && st.name === 'add_arguments');
  for (const call of addArgumentCalls(addArguments?.body ?? [])) {
    const flags = call.args.filter((a): a is Extract<Expr, { t: 'str' }> => a.t === 'str').map((a) => a.v);
    const kw = (name: string) => call.kwargs.find((k) => k.name === name)?.value;
    const dest = destOf(flags, kw('dest'));
    if (!dest) continue;
    const given = kw('default');
    const action = kw('action');
    const at = locOf(given ?? call);
    const value: Value = given ? evaluate(given)
      : action?.t === 'str' && action.v === 'store_true' ? { kind: 'bool', value: false, loc: at }
      : action?.t === 'str' && action.v === 'store_false' ? { kind: 'bool', value: true, loc: at }
      : { kind: 'none', loc: at };
    entries.push({ key: { kind: 'str', value: dest, loc: at }, value });
  }
  return { kind: 'dict', entries, loc: locOf(addArguments ?? cls) };
}

/** argparse's dest: `dest=`, else the first long flag (`--dry-run` → `dry_run`), else the first short one, else a positional's name. */
function destOf(flags: string[], dest: Expr | undefined): string | undefined {
  if (dest) return dest.t === 'str' ? dest.v : undefined;
  const pick = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => f.startsWith('-')) ?? flags[0];
  return pick?.replace(/^-+/, '').replace(/-/g, '_') || undefined;
}

/** Every `<x>.add_argument(...)` of a body (a parser, an argument group), in ifs too. */
function addArgumentCalls(body: Stmt[]): Array<Extract<Expr, { t: 'call' }>> {
  const out: Array<Extract<Expr, { t: 'call' }>> = [];
  for (const st of body) {
    if (st.s === 'expr' && st.e.t === 'call' && st.e.fn.t === 'attr' && st.e.fn.name === 'add_argument') out.push(st.e);
    else if (st.s === 'if') out.push(...addArgumentCalls(st.body), ...addArgumentCalls(st.orelse));
    else if (st.s === 'for') out.push(...addArgumentCalls(st.body));
  }
  return out;
}
