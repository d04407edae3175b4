/**
 * A real LSP client for protocol tests: builds dist/server.js once, starts it over stdio, speaks JSON-RPC
 * through vscode-languageserver-protocol, records notifications.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  DidOpenTextDocumentNotification, PublishDiagnosticsNotification, ExitNotification, ShutdownRequest,
  type ProtocolConnection, type PublishDiagnosticsParams, type InitializeResult,
} from 'vscode-languageserver-protocol/node';

export const REPO = resolve(__dirname, '..', '..');
export const SERVER = join(REPO, 'dist', 'server.js');
export const FIXTURE = join(__dirname, 'fixture');

/** Build the bundle unless it is newer than every server source file. */
export function ensureBuilt(): void {
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
  const src = Math.max(newest(join(REPO, 'server', 'src')), newest(join(REPO, 'shared')));
  if (existsSync(SERVER) && statSync(SERVER).mtimeMs >= src) return;
  // test files run in parallel: one builds, the others wait for it
  const lock = join(REPO, 'dist', '.build-lock');
  mkdirSync(join(REPO, 'dist'), { recursive: true });
  try { mkdirSync(lock); } catch {
    for (let i = 0; i < 600 && existsSync(lock); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    return;
  }
  try {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  } finally { rmSync(lock, { recursive: true, force: true }); }
}

export const uriOf = (file: string) => pathToFileURL(file).toString();

export interface Session {
  conn: ProtocolConnection;
  child: ChildProcess;
  init: InitializeResult;
  /** Latest diagnostics per URI. */
  diagnostics: Map<string, PublishDiagnosticsParams['diagnostics']>;
  notifications: Array<{ method: string; params: unknown }>;
  /** Resolves when a notification matching `pred` arrives (or has arrived since `since`). */
  waitFor(method: string, pred?: (params: any) => boolean, timeoutMs?: number): Promise<any>;
  open(file: string, text?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSession(roots: string[], opts: { initializationOptions?: unknown; capabilities?: Record<string, unknown> } = {}): Promise<Session> {
  ensureBuilt();
  const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => process.env.LSP_DEBUG && process.stderr.write(d));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const diagnostics = new Map<string, PublishDiagnosticsParams['diagnostics']>();
  const notifications: Session['notifications'] = [];
  const waiters: Array<{ method: string; pred: (p: any) => boolean; resolve: (p: any) => void }> = [];
  const record = (method: string, params: unknown) => {
    notifications.push({ method, params });
    for (const w of [...waiters]) if (w.method === method && w.pred(params)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(params); }
  };
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => { diagnostics.set(p.uri, p.diagnostics); record(PublishDiagnosticsNotification.method, p); });
  conn.onUnhandledNotification((n) => record(n.method, n.params));
  // $/progress goes to progress handlers; tokens the server created itself arrive as "unhandled"
  (conn as unknown as { onUnhandledProgress(h: (p: unknown) => void): void }).onUnhandledProgress((p) => record('$/progress', p));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => { record('workspace/codeLens/refresh', null); return null; });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: uriOf(roots[0]),
    workspaceFolders: roots.map((r) => ({ uri: uriOf(r), name: r })),
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true } },
      window: { workDoneProgress: true },
      textDocument: { publishDiagnostics: { relatedInformation: true }, rename: { prepareSupport: true } },
      ...(opts.capabilities ?? {}),
    },
    initializationOptions: opts.initializationOptions,
  } as any);
  conn.sendNotification(InitializedNotification.type, {});
  const s: Session = {
    conn, child, init, diagnostics, notifications,
    waitFor(method, pred = () => true, timeoutMs = 15000) {
      const seen = notifications.find((n) => n.method === method && pred(n.params));
      if (seen) return Promise.resolve(seen.params);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timeout waiting for ${method}`)), timeoutMs);
        waiters.push({ method, pred, resolve: (p) => { clearTimeout(t); res(p); } });
      });
    },
    async open(file, text) {
      conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uriOf(file), languageId: file.endsWith('.py') ? 'python' : 'yaml', version: 1, text: text ?? readFileSync(file, 'utf8') } });
    },
    async stop() {
      // (the exit notification's write is awaited: written after dispose(), it would reject unhandled)
      try { await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]); await conn.sendNotification(ExitNotification.type).catch(() => undefined); } catch { /* already gone */ }
      conn.dispose();
      if (child.exitCode === null) child.kill();
    },
  };
  return s;
}

/** LSP position of the `delta`-th character of the first occurrence of `needle` in a file's text. */
export function posOf(text: string, needle: string, delta = 1): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not found`);
  const before = text.slice(0, i + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}
