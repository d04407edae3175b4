/**
 * Workspace scan: list files, prefilter by text, parse candidates with tree-sitter into IR (the tree is
 * freed at once), index every other Python file by module name so imports can load it on demand.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { lowerModule } from '../parse/lower';
import { moduleNameOf, type ModuleSource } from './modules';
import { findSuppressions } from '../parse/suppressions';
import { isWorkerFile, extractWorkers, mightContainWorker } from '../parse/workers';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', 'env', '.env', '.tox', '.nox', '.mypy_cache', '.pytest_cache', 'site-packages', 'dist', 'build', '.idea', '.vscode', '.cache']);
/** Text that makes a Python file worth parsing up front; other modules load when imported. */
export const PY_PREFILTER = /celery|kombu|CELERY_|shared_task|\.task\b|\bTask\b|task_routes|task_queues|send_task|apply_async|\.delay\(|DJANGO_SETTINGS_MODULE|\.s\(|\.si\(|signature\(/;

export interface ScanOptions {
  /** Skip files larger than this (bytes); they are reported, not read. */
  maxFileSize?: number;
  exclude?: (path: string) => boolean;
}

export interface ScanResult {
  python: string[];
  workerFiles: string[];
  skipped: Array<{ file: string; reason: string }>;
}

export function listFiles(root: string, opts: ScanOptions = {}): ScanResult {
  const out: ScanResult = { python: [], workerFiles: [], skipped: [] };
  const walk = (dir: string, depth: number) => {
    if (depth > 30) return;
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (opts.exclude?.(p)) continue;
      if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, depth + 1); continue; }
      if (!e.isFile()) continue;
      if (e.name.endsWith('.py')) out.python.push(p);
      else if (isWorkerFile(p)) out.workerFiles.push(p);
    }
  };
  walk(root, 0);
  return out;
}

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** Read a file as text, or say why not. */
export function readText(file: string, maxSize = DEFAULT_MAX_FILE_SIZE): { text?: string; reason?: string } {
  try {
    const st = statSync(file);
    if (st.size > maxSize) return { reason: `larger than ${Math.round(maxSize / 1024)} KiB (${Math.round(st.size / 1024)} KiB): skipped` };
    return { text: readFileSync(file, 'utf8') };
  } catch (err) {
    return { reason: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

export function parseModule(parser: Parser, file: string, text: string, root: string): ModuleSource {
  const tree = parsePython(parser, text);
  try {
    const ir = lowerModule(tree);
    return { module: moduleNameOf(file, root), file, ir, isPackage: file.endsWith('__init__.py'), suppressions: findSuppressions(text) };
  } finally {
    tree.delete();
  }
}

export { extractWorkers, mightContainWorker };
