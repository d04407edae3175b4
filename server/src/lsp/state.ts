/**
 * The server's view of the workspace: one Project per folder, the open buffers, pending edits (debounced
 * re-analysis) and which files currently carry diagnostics. No LSP connection here: the server wires it.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Project } from '../service/project';
import { pythonParser } from '../parse/python';
import { readText } from '../model/scan';
import { isWorkerFile } from '../parse/workers';
import { toPath } from './convert';
import { DEFAULT_SERVER_SETTINGS, type ServerSettings } from '../../../shared/protocol';

export interface Folder {
  root: string;
  uri: string;
  project: Project;
  /** Files that got diagnostics in the last publication (to clear them when they have none). */
  published: Set<string>;
  /** The diagnostics last sent per file (JSON), so unchanged files are not sent again. */
  sent: Map<string, string>;
}

export class ServerState {
  folders: Folder[] = [];
  settings: ServerSettings = DEFAULT_SERVER_SETTINGS;
  /** file → text waiting for the debounce to reach the Project. */
  private pending = new Map<string, string | undefined>();
  /** Folders whose analysis changed since the last publication. */
  readonly dirty = new Set<Folder>();

  constructor(readonly docs: TextDocuments<TextDocument>) {}

  /** Open a folder: parser, Project, scan (synchronous: the caller reports progress around it). */
  async addFolder(uri: string): Promise<Folder | undefined> {
    const root = toPath(uri);
    if (!root || this.folders.some((f) => f.root === root)) return undefined;
    const parser = await pythonParser();
    const project = new Project(root, parser, { maxFileSize: this.settings.maxFileSize, transport: this.transport() });
    project.scan();
    for (const f of extraWorkerFiles(root, this.settings.workerGlobs)) project.updateFile(f);
    const folder: Folder = { root, uri, project, published: new Set(), sent: new Map() };
    // open buffers win over the disk
    for (const d of this.docs.all()) {
      const file = toPath(d.uri);
      if (file && this.isTracked(file) && this.folderOf(file, [folder])) project.updateFile(file, d.getText());
    }
    this.folders.push(folder);
    this.folders.sort((a, b) => b.root.length - a.root.length);
    this.dirty.add(folder);
    return folder;
  }

  removeFolder(uri: string): Folder | undefined {
    const i = this.folders.findIndex((f) => f.uri === uri || f.root === toPath(uri));
    return i >= 0 ? this.folders.splice(i, 1)[0] : undefined;
  }

  transport(): string | undefined {
    return this.settings.transport === 'auto' ? undefined : this.settings.transport;
  }

  /** The innermost folder containing a file. */
  folderOf(file: string, among = this.folders): Folder | undefined {
    return among.find((f) => file === f.root || file.startsWith(f.root.endsWith(sep) ? f.root : f.root + sep));
  }

  /** Files the analysis reads: Python, worker-command files, and the user's worker globs. */
  isTracked(file: string): boolean {
    if (file.endsWith('.py') || isWorkerFile(file)) return true;
    const f = this.folderOf(file);
    if (f?.project.isConfigFile(file)) return true; // project file, RabbitMQ definitions
    return !!f && matchesGlobs(relative(f.root, file), this.settings.workerGlobs);
  }

  /** Current text of a file: the open buffer, else the disk. */
  read = (file: string): string | undefined => {
    const d = this.docs.get(this.uriOf(file));
    if (d) return d.getText();
    return readText(file, this.settings.maxFileSize).text;
  };

  private uriCache = new Map<string, string>();
  private uriOf(file: string): string {
    let u = this.uriCache.get(file);
    if (!u) {
      for (const d of this.docs.all()) if (toPath(d.uri) === file) { u = d.uri; break; }
      if (!u) return `file://${file}`;
      this.uriCache.set(file, u);
    }
    return u;
  }
  rememberUri(file: string, uri: string): void { this.uriCache.set(file, uri); }

  /** A buffer changed: queue it for the next debounced analysis. */
  queue(file: string, text: string | undefined): void {
    this.pending.set(file, text);
  }

  /** Apply pending edits (all, or one file's) to their Projects now. Returns the folders touched. */
  flush(file?: string): Set<Folder> {
    const touched = new Set<Folder>();
    const items = file === undefined ? [...this.pending] : this.pending.has(file) ? [[file, this.pending.get(file)] as const] : [];
    for (const [f, text] of items) {
      this.pending.delete(f);
      const folder = this.folderOf(f);
      if (!folder) continue;
      folder.project.updateFile(f, text);
      touched.add(folder);
      this.dirty.add(folder);
    }
    return touched;
  }

  /** A file was deleted on disk. */
  delete(file: string): void {
    this.pending.delete(file);
    const folder = this.folderOf(file);
    if (!folder) return;
    folder.project.removeFile(file);
    this.dirty.add(folder);
  }

  get hasPending(): boolean { return this.pending.size > 0; }
}

/** `**` = any folders, `*` = any characters but '/', `?` = one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; if (glob[i + 1] === '/') i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesGlobs(rel: string, globs: string[]): boolean {
  const p = rel.split(sep).join('/');
  return globs.some((g) => globToRegExp(g).test(p));
}

/** Files under root matching the user's worker globs (bounded walk, skipping the usual heavy folders). */
function extraWorkerFiles(root: string, globs: string[]): string[] {
  if (!globs.length) return [];
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 12 || out.length > 500) return;
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === '__pycache__') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && !e.name.endsWith('.py') && matchesGlobs(relative(root, p), globs)) out.push(p);
    }
  };
  walk(root, 0);
  return out;
}
