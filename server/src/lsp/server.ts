/**
 * The language server: connection, lifecycle, workspace folders, settings, debounced re-analysis and
 * diagnostics publication. Request handlers are in features.ts; everything they answer comes from the
 * service layer (one routing engine). Transport: whatever the client asked for (--stdio, --node-ipc,
 * --socket=N), as `createConnection()` reads it from the command line.
 */
import { stopIndexer, warmUpIndexer } from '../model/index-files';
import { setFlagsFromString } from 'node:v8';
import {
  createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, FileChangeType, CodeLensRefreshRequest,
  DidChangeConfigurationNotification, type Connection, type InitializeParams, type InitializeResult, type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ServerState, type Folder } from './state';
import { toPath, toUri, toDiagnostic } from './convert';
import { registerFeatures, type Context } from './features';
import { analysis } from '../service/analysis';
import {
  DEFAULT_SERVER_SETTINGS, SETTINGS_SECTION, STATUS_NOTIFICATION,
  type InitializationOptions, type ServerSettings, type StatusParams,
} from '../../../shared/protocol';

/** Debounce between the last keystroke and the re-analysis (diagnostics, code lens refresh); the bench sets 0. */
export const DEBOUNCE_MS = Number(process.env.CELERY_ROUTING_DEBOUNCE_MS ?? 150);

/**
 * A long-lived process that re-analyses on every keystroke makes short-lived garbage; V8's default heap
 * growth let the 10,000-file benchmark's RSS reach ~280 MB with ~50 MB live. A 30 % growth step, with the 4 MB young
 * generation the server starts with (shared/server-node-flags.json), keeps the peak at 161-175 MB (40 %: up to 195;
 * 25 %: 162-169 MB, but edit → diagnostics p95 19-23 ms against 15-20: more full collections; scripts/bench.mjs).
 * A GC tuning flag, set before the heap grows; no cap.
 */
function tuneHeap(): void {
  try { setFlagsFromString('--heap-growing-percent=30'); } catch { /* an unknown flag changes nothing */ }
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  tuneHeap();
  const docs = new TextDocuments(TextDocument);
  const state = new ServerState(docs);
  const caps = { codeLensResolve: true, completionEditRange: false, configuration: false, workDoneProgress: false, codeLensRefresh: false, relatedInformation: false, folders: false };
  let initialFolders: WorkspaceFolder[] = [];
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  let timer: NodeJS.Timeout | undefined;
  const log = (msg: string) => connection.console.log(`[celery-routing] ${msg}`);

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    void warmUpIndexer(); // the scan's worker thread loads its parser while the client sends `initialized`
    const c = params.capabilities;
    caps.configuration = !!c.workspace?.configuration;
    caps.workDoneProgress = !!c.window?.workDoneProgress;
    caps.codeLensRefresh = !!c.workspace?.codeLens?.refreshSupport;
    caps.relatedInformation = !!c.textDocument?.publishDiagnostics?.relatedInformation;
    caps.folders = !!c.workspace?.workspaceFolders;
    caps.completionEditRange = !!c.textDocument?.completion?.completionList?.itemDefaults?.includes('editRange');
    // every client that implements code lens resolves lenses without a command; allow opting out
    caps.codeLensResolve = (params.initializationOptions as { codeLensResolve?: boolean } | undefined)?.codeLensResolve !== false;
    const opts = (params.initializationOptions ?? {}) as InitializationOptions;
    state.settings = mergeSettings(opts.settings);
    initialFolders = params.workspaceFolders?.length ? params.workspaceFolders
      : params.rootUri ? [{ uri: params.rootUri, name: 'root' }]
        : params.rootPath ? [{ uri: toUri(params.rootPath), name: 'root' }] : [];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ["'", '"', ',', '.', '=', ' '], resolveProvider: true },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        codeLensProvider: { resolveProvider: caps.codeLensResolve },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'celery-routing', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    try {
      if (caps.configuration) {
        connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch(() => undefined);
        await pullSettings();
      }
      if (caps.folders) {
        connection.workspace.onDidChangeWorkspaceFolders(async (e) => {
          try {
            for (const f of e.removed) { const gone = state.removeFolder(f.uri); if (gone) clearDiagnostics(gone); }
            await index(e.added);
            publishAll();
          } catch (err) { log(`folder change failed: ${(err as Error).stack ?? err}`); }
        });
      }
      await index(initialFolders);
    } catch (err) {
      log(`indexing failed: ${(err as Error).stack ?? err}`);
    } finally {
      resolveReady();
      publishAll();
    }
  });

  /** Scan folders with LSP work-done progress (when the client supports it). */
  async function index(folders: WorkspaceFolder[]): Promise<void> {
    if (!folders.length) return;
    void warmUpIndexer();
    const progress = caps.workDoneProgress ? await connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('Celery Routing: indexing', 0, `${folders.length} folder(s)`, false);
    sendStatus('indexing');
    let n = 0;
    for (const wf of folders) {
      progress?.report(Math.round((n / folders.length) * 100), wf.name);
      const t0 = Date.now();
      const f = await state.addFolder(wf.uri);
      if (f) log(`indexed ${f.root}: ${f.project.ws.modules.size} modules, ${f.project.tasks.length} tasks, ${f.project.workers.length} workers in ${Date.now() - t0} ms`);
      n++;
    }
    // the index worker is for cold scans: its memory goes back until the next one
    void stopIndexer();
    progress?.done();
  }

  async function pullSettings(): Promise<void> {
    const before = state.settings;
    const got = await connection.workspace.getConfiguration({ section: SETTINGS_SECTION }).catch(() => undefined);
    state.settings = mergeSettings(got ?? undefined, before);
    if (state.settings.transport !== before.transport) for (const f of state.folders) { f.project.setTransport(state.transport()); state.dirty.add(f); }
  }

  connection.onDidChangeConfiguration(async (change) => {
    try {
      const old = state.settings;
      if (caps.configuration) await pullSettings();
      else state.settings = mergeSettings((change.settings as Record<string, Partial<ServerSettings>> | undefined)?.[SETTINGS_SECTION], old);
      if (state.settings.maxFileSize !== old.maxFileSize || state.settings.workerGlobs.join('\0') !== old.workerGlobs.join('\0')) {
        const uris = state.folders.map((f) => ({ uri: f.uri, name: f.root }));
        for (const f of [...state.folders]) state.removeFolder(f.uri);
        await index(uris);
      }
      for (const f of state.folders) { f.project.setTransport(state.transport()); state.dirty.add(f); }
      publishAll(true);
    } catch (err) { log(`settings change failed: ${(err as Error).stack ?? err}`); }
  });

  // ------------------------------------------------------------ documents and files

  const onEdit = (uri: string, text: string | undefined) => {
    const file = toPath(uri);
    if (!file || !state.isTracked(file) || !state.folderOf(file)) return;
    state.rememberUri(file, uri);
    state.queue(file, text);
    schedule();
  };
  docs.onDidOpen((e) => onEdit(e.document.uri, e.document.getText()));
  docs.onDidChangeContent((e) => onEdit(e.document.uri, e.document.getText()));
  docs.onDidClose((e) => onEdit(e.document.uri, undefined)); // back to the disk's text

  connection.onDidChangeWatchedFiles((params) => {
    try {
      for (const ch of params.changes) {
        const file = toPath(ch.uri);
        if (!file || !state.isTracked(file) || docs.get(ch.uri)) continue; // open buffers win
        if (ch.type === FileChangeType.Deleted) state.delete(file);
        else state.queue(file, undefined);
      }
      schedule();
    } catch (err) { log(`watched files: ${(err as Error).stack ?? err}`); }
  });

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      ready.then(() => {
        try {
          state.flush();
          publishAll();
        } catch (err) { log(`re-analysis failed: ${(err as Error).stack ?? err}`); }
      });
    }, DEBOUNCE_MS);
  }

  // ------------------------------------------------------------ diagnostics

  function publishAll(force = false): void {
    let problems = 0;
    for (const f of state.folders) {
      if (!force && !state.dirty.has(f)) { problems += f.published.size; continue; }
      state.dirty.delete(f);
      problems += publish(f);
    }
    if (caps.codeLensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    sendStatus('ready', problems);
  }

  /** Publish a folder's diagnostics to every affected file; clear files that no longer have any. */
  function publish(f: Folder): number {
    const byFile = new Map<string, ReturnType<typeof toDiagnostic>[]>();
    let count = 0;
    for (const d of analysis(f.project).diagnostics()) {
      if (!d.loc.file.startsWith(f.root) || d.loc.file === f.root) { log(`${d.code}: ${d.message}`); continue; }
      const lsp = toDiagnostic(d, state.settings.diagnostics.severity, caps.relatedInformation);
      if (!lsp) continue;
      if (!byFile.has(d.loc.file)) byFile.set(d.loc.file, []);
      byFile.get(d.loc.file)!.push(lsp);
      count++;
    }
    for (const file of f.published) if (!byFile.has(file)) { connection.sendDiagnostics({ uri: toUri(file), diagnostics: [] }); f.sent.delete(file); }
    // Send only what changed: after a keystroke most files keep the diagnostics they had.
    for (const [file, ds] of byFile) {
      const diagnostics = ds.filter((x) => !!x);
      const key = JSON.stringify(diagnostics);
      if (f.sent.get(file) === key) continue;
      f.sent.set(file, key);
      connection.sendDiagnostics({ uri: toUri(file), diagnostics });
    }
    f.published = new Set(byFile.keys());
    return count;
  }

  function clearDiagnostics(f: Folder): void {
    for (const file of f.published) connection.sendDiagnostics({ uri: toUri(file), diagnostics: [] });
    f.published.clear();
    f.sent.clear();
  }

  function sendStatus(s: StatusParams['state'], problems = 0): void {
    const p: StatusParams = { state: s, folders: state.folders.length, tasks: 0, queues: 0, workers: 0, problems, skipped: 0 };
    for (const f of state.folders) {
      p.tasks += f.project.tasks.length;
      p.workers += f.project.workers.length;
      p.queues += analysis(f.project).queueNames.length;
      p.skipped += f.project.skipped.length;
    }
    connection.sendNotification(STATUS_NOTIFICATION, p);
  }

  const ctx: Context = { connection, state, ready, log, get codeLensResolve() { return caps.codeLensResolve; }, get completionEditRange() { return caps.completionEditRange; } };
  registerFeatures(ctx);

  docs.listen(connection);
  connection.listen();
  return connection;
}

/** Defaults ← initializationOptions / workspace configuration (unknown or ill-typed values ignored). */
export function mergeSettings(raw: Partial<ServerSettings> | undefined, base: ServerSettings = DEFAULT_SERVER_SETTINGS): ServerSettings {
  const r = (raw ?? {}) as Record<string, unknown>;
  const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const cl = obj(r.codeLens);
  const dg = obj(r.diagnostics);
  const transport = r.transport;
  return {
    codeLens: { enable: typeof cl.enable === 'boolean' ? cl.enable : base.codeLens.enable },
    diagnostics: { severity: dg.severity && typeof dg.severity === 'object' ? { ...(dg.severity as ServerSettings['diagnostics']['severity']) } : { ...base.diagnostics.severity } },
    workerGlobs: Array.isArray(r.workerGlobs) ? r.workerGlobs.filter((g): g is string => typeof g === 'string') : base.workerGlobs,
    transport: transport === 'auto' || transport === 'amqp' || transport === 'redis' || transport === 'sqs' ? transport : base.transport,
    maxFileSize: typeof r.maxFileSize === 'number' && r.maxFileSize > 0 ? r.maxFileSize : base.maxFileSize,
  };
}
