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
/** A folder → its dotted package name parts (empty: not a package). Cached: a scan asks for every file. */
const packageParts = new Map<string, string[]>();
/** An `__init__.py` appeared or went away (or a new scan starts). */
export function forgetPackages(): void {
  packageInits.clear();
  packageParts.clear();
  folderPrefixes.clear();
}

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

function partsOf(dir: string, hasFile: (p: string) => boolean): string[] {
  const cache = hasFile === isPackageInit;
  const hit = cache ? packageParts.get(dir) : undefined;
  if (hit) return hit;
  let parts: string[] = [];
  // A folder whose name is not an identifier (`bk-sops/`, a checkout's root) cannot be imported as a
  // package, whatever it holds: the import path starts below it.
  if (IDENTIFIER.test(basename(dir)) && hasFile(join(dir, '__init__.py'))) {
    const up = dirname(dir);
    parts = [...(up === dir ? [] : partsOf(up, hasFile)), basename(dir)];
  }
  if (cache) packageParts.set(dir, parts);
  return parts;
}

/**
 * Folders the project puts on `sys.path` itself (`sys.path.append(os.path.join(os.getcwd(), 'packages'))` in
 * settings.py): modules below one are imported — and their tasks named — from there (`monitor_web.tasks`, not
 * `packages.monitor_web.tasks`). Set after a scan (see `sysPathRoots`).
 */
const rootsByProject = new Map<string, string[]>();
let importRoots: string[] = [];
export function setImportRoots(projectRoot: string, roots: string[]): void {
  rootsByProject.set(projectRoot, roots.filter((r) => r.startsWith(projectRoot + sep)));
  importRoots = [...new Set([...rootsByProject.values()].flat())].sort((a, b) => b.length - a.length);
}

/** The name of `file` below an import root, if it is under one and every folder on the way is an identifier. */
function underImportRoot(file: string): string | undefined {
  for (const r of importRoots) {
    if (!file.startsWith(r + sep)) continue;
    const parts = relative(r, file).split(sep);
    const stem = parts.pop()!.replace(/\.pyi?$/, '');
    const names = stem === '__init__' ? parts : [...parts, stem];
    if (names.length && names.every((n) => IDENTIFIER.test(n))) return names.join('.');
  }
  return undefined;
}

/**
 * The dotted name of a Python file: walk up while the folder is a package (`__init__.py`), so
 * `src/proj/tasks.py` in package `proj` is `proj.tasks` even if the workspace root is above `src/`.
 * Folders without `__init__.py` (namespace packages) fall back to the path below the root.
 */
export function moduleNameOf(file: string, root: string, hasFile: (p: string) => boolean = isPackageInit): string {
  const rooted = importRoots.length ? underImportRoot(file) : undefined;
  if (rooted) return rooted;
  const name = basename(file);
  const isInit = name === '__init__.py';
  const stem = name.replace(/\.pyi?$/, '');
  const dir = dirname(file);
  const pkg = partsOf(dir, hasFile);
  if (!pkg.length && !isInit) {
    // Not in a package: name it by its path below the root (namespace packages, scripts). Per folder: a scan
    // names every file of the workspace (10,000 in the benchmark), most of them in a few folders.
    const prefix = hasFile === isPackageInit ? folderPrefix(root, dir) : folderPrefixOf(root, dir);
    if (prefix !== undefined) return prefix ? `${prefix}.${stem}` : stem;
  }
  return (isInit ? pkg : [...pkg, stem]).join('.') || stem;
}

/** The dotted path of a folder below the root ('' at the root), undefined when it is not below the root. */
function folderPrefixOf(root: string, dir: string): string | undefined {
  const rel = relative(root, dir);
  if (!rel || rel.startsWith('..')) return rel ? undefined : '';
  return rel.split(sep).filter((p) => p && p !== '.').join('.');
}
const folderPrefixes = new Map<string, string | undefined>();
function folderPrefix(root: string, dir: string): string | undefined {
  const key = `${root}\0${dir}`;
  if (folderPrefixes.has(key)) return folderPrefixes.get(key);
  const v = folderPrefixOf(root, dir);
  folderPrefixes.set(key, v);
  return v;
}
