/**
 * Workspace scan: list files, prefilter by text, parse candidates with tree-sitter into IR (the tree is
 * freed at once), index every other Python file by module name so imports can load it on demand.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Edit, type Parser, type Tree } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { IncrementalModule } from '../parse/incremental';
import type { ModuleIR } from '../parse/ir';
import { moduleNameOf, type ModuleSource } from './modules';
import { findSuppressions } from '../parse/suppressions';
import { lowerSource } from './index-files';
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

export { DEFAULT_MAX_FILE_SIZE, readText } from './read-files';

export function parseModule(parser: Parser, file: string, text: string, root: string): ModuleSource {
  return { module: moduleNameOf(file, root), file, isPackage: file.endsWith('__init__.py'), ...lowerSource(parser, text) };
}

/**
 * An open editor buffer: its text, its tree (reparsed incrementally from the one-span difference with the
 * previous text) and the IR of each top-level statement, so a keystroke re-lowers one statement.
 */
export class OpenBuffer {
  private text = '';
  private tree?: Tree;
  private readonly lowered = new IncrementalModule();
  private module?: string;
  private lastIr?: ModuleIR;
  /** How the last text was taken in: a first parse, an incremental reparse, or one statement parsed alone. */
  lastPath: 'parse' | 'reparse' | 'statement' = 'parse';

  parse(parser: Parser, file: string, text: string, root: string): ModuleSource {
    const old = this.tree;
    let ir: ModuleIR;
    const edit = old && editBetween(this.text, text);
    // an edit inside one statement of a clean buffer: that statement alone is parsed; the tree takes the
    // edit and is reparsed (with every edit since) when an edit of another shape comes
    const quick = edit && this.lastIr && !this.lastIr.errors.length ? this.lowered.updateStatement(parser, this.text, text, edit, this.lastIr.lines) : undefined;
    this.lastPath = quick ? 'statement' : old ? 'reparse' : 'parse';
    if (old && edit && quick) {
      old.edit(edit);
      ir = quick;
    } else if (old && edit) {
      old.edit(edit);
      const tree = parsePython(parser, text, old);
      if (tree.rootNode.hasError) {
        // Error recovery after an incremental reparse can group broken code differently from a fresh parse;
        // half-typed code is parsed from scratch so the editor and the CLI see the same thing.
        tree.delete();
        old.delete();
        this.tree = parsePython(parser, text);
        ir = this.lowered.reset(this.tree);
      } else {
        ir = this.lowered.update(old, tree, edit);
        old.delete();
        this.tree = tree;
      }
    } else {
      this.tree = parsePython(parser, text);
      ir = this.lowered.reset(this.tree);
    }
    this.text = text;
    this.lastIr = ir;
    this.module ??= moduleNameOf(file, root);
    return { module: this.module, file, ir, isPackage: file.endsWith('__init__.py'), suppressions: findSuppressions(text) };
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
}

/** The single edit turning `a` into `b` (common prefix and suffix), in tree-sitter's terms. */
export function editBetween(a: string, b: string): Edit {
  let start = 0;
  const max = Math.min(a.length, b.length);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let ea = a.length, eb = b.length;
  while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) { ea--; eb--; }
  const pos = (t: string, i: number) => {
    let row = 0, last = -1;
    for (let k = t.indexOf('\n'); k !== -1 && k < i; k = t.indexOf('\n', k + 1)) { row++; last = k; }
    return { row, column: i - last - 1 };
  };
  const startPosition = pos(a, start);
  return new Edit({ startIndex: start, oldEndIndex: ea, newEndIndex: eb, startPosition, oldEndPosition: pos(a, ea), newEndPosition: pos(b, eb) });
}

export { extractWorkers, mightContainWorker };
