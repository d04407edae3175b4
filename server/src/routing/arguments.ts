/**
 * Celery checks apply_async/delay arguments against the task function's signature before routing
 * (`Task.apply_async`: `if self.typing: check_arguments(*args, **kwargs)`, celery/app/task.py; the header
 * comes from `head_from_fun(fun, bound=task.bind)`). A mismatch raises TypeError and nothing is sent.
 */
import type { Param } from '../parse/ir';

export interface Signature { func: string; params: Param[]; bound: boolean }

/** Python's binding of `args` positional values and `kwargs` names; the TypeError message, or null. */
export function checkArguments(sig: Signature, args: number, kwargs: string[]): string | null {
  const params = sig.bound ? sig.params.slice(1) : sig.params;
  const positional = params.filter((p) => p.kind === 'pos' || p.kind === 'pos-default');
  const star = params.some((p) => p.kind === 'star');
  const dstar = params.some((p) => p.kind === 'dstar');
  const f = `${sig.func}()`;
  if (args > positional.length && !star) {
    const min = positional.filter((p) => p.kind === 'pos').length;
    const takes = min === positional.length ? `${positional.length}` : `from ${min} to ${positional.length}`;
    return `TypeError: ${f} takes ${takes} positional argument${positional.length === 1 && min === positional.length ? '' : 's'} but ${args} ${args === 1 ? 'was' : 'were'} given`;
  }
  const bound = new Set(positional.slice(0, args).map((p) => p.name));
  for (const k of kwargs) {
    const p = params.find((x) => x.name === k && x.kind !== 'star' && x.kind !== 'dstar');
    if (!p) {
      if (!dstar) return `TypeError: ${f} got an unexpected keyword argument '${k}'`;
      continue;
    }
    if (bound.has(k)) return `TypeError: ${f} got multiple values for argument '${k}'`;
    bound.add(k);
  }
  const missingPos = positional.filter((p) => p.kind === 'pos' && !bound.has(p.name)).map((p) => p.name);
  if (missingPos.length) return `TypeError: ${f} missing ${missingPos.length} required positional argument${missingPos.length > 1 ? 's' : ''}: ${quoteList(missingPos)}`;
  const missingKw = params.filter((p) => p.kind === 'kwonly' && !bound.has(p.name)).map((p) => p.name);
  if (missingKw.length) return `TypeError: ${f} missing ${missingKw.length} required keyword-only argument${missingKw.length > 1 ? 's' : ''}: ${quoteList(missingKw)}`;
  return null;
}

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}
