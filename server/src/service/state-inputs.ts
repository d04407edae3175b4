/**
 * What a project state (apps, routes, diagnostics) is computed from, and whether two snapshots of it are the
 * same. After a keystroke that changes nothing Celery reads (a comment, an unrelated value), the previous state
 * — and every answer cached on it, diagnostics included — is kept instead of recomputed.
 *
 * Compared by identity where evaluation reuses objects (unchanged modules keep their ModuleSource, unchanged
 * statements their Values and Locs), deep where it cannot (the edited module's errors, suppressions, names).
 */
import type { AppFact, CallFact, ConfigSource, SettingFact, TaskFact, WorkerFact } from '../model/types';
import type { ModuleSource } from '../model/modules';
import type { Suppression } from '../parse/suppressions';

export interface StateInputs {
  apps: AppFact[];
  tasks: TaskFact[];
  calls: CallFact[];
  workers: WorkerFact[];
  modules: ModuleSource[];
  lazyModules: number;
  fileSuppressions: Suppression[][];
  /** The project file, definitions files, transport override, Celery version: compared by identity / value. */
  others: unknown[];
}

export function sameInputs(a: StateInputs, b: StateInputs): boolean {
  return a.lazyModules === b.lazyModules
    && sameList(a.others, b.others, (x, y) => x === y)
    && sameList(a.tasks, b.tasks, (x, y) => x === y)
    && sameList(a.calls, b.calls, (x, y) => x === y)
    && sameList(a.workers, b.workers, (x, y) => x === y)
    && sameList(a.fileSuppressions, b.fileSuppressions, (x, y) => x === y)
    && sameList(a.modules, b.modules, sameModule)
    && sameList(a.apps, b.apps, sameApp);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}

/** What rules read from a module besides its evaluation: syntax errors, suppressions, top-level functions. */
function sameModule(a: ModuleSource, b: ModuleSource): boolean {
  if (a === b) return true;
  if (a.module !== b.module || a.file !== b.file || a.isPackage !== b.isPackage) return false;
  return deepEqual(a.ir.errors, b.ir.errors) && deepEqual(a.suppressions ?? [], b.suppressions ?? []) && deepEqual(topNames(a), topNames(b));
}

function topNames(m: ModuleSource): string[] {
  return m.ir.body.flatMap((s) => (s.s === 'def' || s.s === 'class' ? [`${s.s} ${s.name}`] : []));
}

function sameApp(a: AppFact, b: AppFact): boolean {
  return a.variable === b.variable && a.module === b.module && a.main === b.main && deepEqual(a.loc, b.loc)
    && deepEqual(a.aliases ?? [], b.aliases ?? []) && deepEqual(a.includes, b.includes) && sameList(a.sources, b.sources, sameSource);
}

function sameSource(a: ConfigSource, b: ConfigSource): boolean {
  return a.kind === b.kind && a.name === b.name && a.namespace === b.namespace && a.unread === b.unread && deepEqual(a.loc, b.loc)
    && sameList(a.settings, b.settings, sameSetting);
}

function sameSetting(a: SettingFact, b: SettingFact): boolean {
  return a.written === b.written && a.key === b.key && a.style === b.style && a.value === b.value && (a.loc === b.loc || deepEqual(a.loc, b.loc));
}

/** Structural equality of plain data (objects, arrays, primitives), undefined properties as absent: what comparing
 *  JSON.stringify outputs answers, without building the strings (a routing config's is 450 kB). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!deepEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}
