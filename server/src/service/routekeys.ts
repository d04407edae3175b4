/** Whether a task_routes key catches a task name, as Celery's MapRoute does (exact, glob, re.match). */
import type { RouteKey } from '../routing/types';

export function keyMatches(key: RouteKey, name: string): boolean {
  if (key.kind === 'exact') return key.name === name;
  const src = key.kind === 'glob' ? key.regex : key.pattern;
  try { return new RegExp(src.startsWith('^') ? src : `^(?:${src})`).test(name); } catch { return false; }
}

/** The key as written. */
export function keyText(key: RouteKey): string {
  return key.kind === 'exact' ? key.name : key.kind === 'glob' ? key.glob : key.pattern;
}
