/**
 * Which explorer actions change the broker, and whether a connection allows them. Pure: the same table
 * drives the tree items' contextValue (menus' `when` clauses) and the check every command runs in code.
 */

export const MUTATING_ACTIONS = ['purge', 'publish', 'declare', 'moveBack'] as const;
export type MutatingAction = (typeof MUTATING_ACTIONS)[number];
export type ReadAction = 'peek' | 'tap' | 'refresh' | 'copy' | 'reveal';
export type ExplorerAction = MutatingAction | ReadAction;

export function isMutating(a: ExplorerAction): a is MutatingAction {
  return (MUTATING_ACTIONS as readonly string[]).includes(a);
}

export interface GateTarget {
  readOnly: boolean;
  connected: boolean;
  label: string;
}

/** null when allowed, else the reason to show. */
export function gate(action: ExplorerAction, t: GateTarget): string | null {
  if (isMutating(action) && t.readOnly) {
    return `"${t.label}" is read-only: ${action} is disabled. Use "Celery: Allow Changes on Connection" to enable changes on it.`;
  }
  if (!t.connected && action !== 'copy' && action !== 'reveal' && action !== 'refresh') {
    return `"${t.label}" is not connected. Connect first.`;
  }
  return null;
}

/** Flags joined into a tree item's contextValue, e.g. `queue writable rabbitmq`. */
export function contextValue(kind: string, flags: Record<string, boolean | undefined>): string {
  const on = Object.entries(flags).filter(([, v]) => v).map(([k]) => k);
  return [kind, ...on].join(' ');
}
