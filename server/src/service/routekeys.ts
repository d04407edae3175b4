/** Whether a task_routes key catches a task name, as Celery's MapRoute does (exact, glob, re.match). */
import type { RouteKey } from '../routing/types';
import { routeKeyMatches } from '../routing';

export const keyMatches = (key: RouteKey, name: string): boolean => routeKeyMatches(key, name);

/** The key as written. */
export function keyText(key: RouteKey): string {
  return key.kind === 'exact' ? key.name : key.kind === 'glob' ? key.glob : key.pattern;
}
