/** Python files → dotted module names, the way `sys.path` = the project root would import them. */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { ModuleIR } from '../parse/ir';
import type { Suppression } from '../parse/suppressions';

export interface ModuleSource {
  module: string;
  file: string;
  ir: ModuleIR;
  /** An `__init__.py`. */
  isPackage: boolean;
  /** `# celery-routing: ignore[...]` comments. */
  suppressions?: Suppression[];
}

/** `dir/__init__.py` exists? Cached: a scan asks it for every file of every folder. */
const packageInits = new Map<string, boolean>();
function isPackageInit(p: string): boolean {
  let v = packageInits.get(p);
  if (v === undefined) packageInits.set(p, (v = existsSync(p)));
  return v;
}
/** An `__init__.py` appeared or went away (or a new scan starts). */
export function forgetPackages(): void {
  packageInits.clear();
}

/**
 * The dotted name of a Python file: walk up while the folder is a package (`__init__.py`), so
 * `src/proj/tasks.py` in package `proj` is `proj.tasks` even if the workspace root is above `src/`.
 * Folders without `__init__.py` (namespace packages) fall back to the path below the root.
 */
export function moduleNameOf(file: string, root: string, hasFile: (p: string) => boolean = isPackageInit): string {
  const isInit = basename(file) === '__init__.py';
  const stem = basename(file).replace(/\.pyi?$/, '');
  const parts: string[] = isInit ? [] : [stem];
  let dir = dirname(file);
  while (hasFile(join(dir, '__init__.py'))) {
    parts.unshift(basename(dir));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (parts.length === (isInit ? 0 : 1) && !isInit) {
    // Not in a package: name it by its path below the root (namespace packages, scripts).
    const rel = relative(root, dirname(file));
    if (rel && !rel.startsWith('..')) return [...rel.split(sep).filter((p) => p && p !== '.'), stem].join('.');
  }
  return parts.join('.') || stem;
}
