/**
 * Request handlers: each maps LSP params to one service function and back. Every handler is guarded (an
 * exception is logged and answered with an empty result) and honours cancellation.
 */
import {
  ResponseError, LSPErrorCodes, MarkupKind, CancellationToken, type Connection, type CodeAction, type CodeLens, type CompletionItem, type CompletionList, type WorkspaceEdit, type TextEdit,
} from 'vscode-languageserver/node';
import type { ServerState, Folder } from './state';
import { toPath, toUri, toLocation, toCompletionItem, toListItem, toDocumentSymbol, toSymbolInformation, toTraceResult } from './convert';
import { hover } from '../service/hover';
import { complete, sharedList, type CompletionEntry } from '../service/completion';
import { cachedLenses, traceAt, traceData, type TraceData } from '../service/codelens';
import { definition, references } from '../service/navigation';
import { prepareRename, renameQueue, type FileEdit } from '../service/rename';
import { documentSymbols, workspaceSymbols } from '../service/symbols';
import { codeActions } from '../service/codeactions';
import { analysis } from '../service/analysis';
import { topology, taskList } from '../service/topology';
import { registerGraph } from './graph';
import type { Loc, Range } from '../model/types';
import {
  SHOW_TRACE_COMMAND, ROUTE_TRACE_REQUEST, TASKS_REQUEST, TOPOLOGY_REQUEST,
  type RouteTraceParams, type RouteTraceResult, type TasksParams, type TasksResult, type TopologyParams, type TopologyResult,
} from '../../../shared/protocol';

export interface Context {
  connection: Connection;
  state: ServerState;
  ready: Promise<void>;
  /** The client resolves code lenses (codeLens/resolve). */
  codeLensResolve: boolean;
  /** The client takes one edit range for a whole completion list (LSP 3.17 `itemDefaults.editRange`). */
  completionEditRange: boolean;
  log(msg: string): void;
}

interface Doc { file: string; text: string; folder: Folder }

/** Completion lists up to this size carry their documentation inline. */
const INLINE_DOCS_MAX = 40;

export function registerFeatures(ctx: Context): void {
  const { connection, state } = ctx;

  /** Wait for the index, apply this file's pending edit, give its text and folder. */
  async function docOf(uri: string): Promise<Doc | undefined> {
    await ctx.ready;
    const file = toPath(uri);
    if (!file) return undefined;
    const folder = state.folderOf(file);
    if (!folder) return undefined;
    state.flush(file);
    const text = state.read(file);
    return text === undefined ? undefined : { file, text, folder };
  }

  /** Run a handler: cancelled → the LSP error; failure → logged, empty answer. */
  function guard<P, R>(name: string, empty: R, fn: (params: P, token: CancellationToken) => Promise<R>) {
    return async (params: P, maybeToken: CancellationToken | null | undefined): Promise<R> => {
      // A client that sends `[params, null]` (positional) hands us null here: run without cancellation.
      const token = maybeToken ?? CancellationToken.None;
      try {
        if (token.isCancellationRequested) throw cancelled();
        const r = await fn(params, token);
        if (token.isCancellationRequested) throw cancelled();
        return r;
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        ctx.log(`${name} failed: ${(err as Error).stack ?? err}`);
        return empty;
      }
    };
  }
  const cancelled = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');

  connection.onHover(guard('hover', null, async (p) => {
    const d = await docOf(p.textDocument.uri);
    const h = d && hover(d.folder.project, d.file, d.text, p.position);
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: h.range } : null;
  }));

  // Long lists (every queue, every setting) go without documentation; completionItem/resolve adds it.
  let lastCompletion: CompletionEntry[] = [];
  /** LSP items of a list built once (`sharedList`), per list: a keystroke in a queue string sends the same 200 items. */
  const listItems = new WeakMap<CompletionEntry[], CompletionItem[]>();
  connection.onCompletion(guard('completion', [] as CompletionItem[] | CompletionList, async (p) => {
    const d = await docOf(p.textDocument.uri);
    if (!d) return [];
    const entries = complete(d.folder.project, d.file, d.text, p.position);
    if (entries.length <= INLINE_DOCS_MAX) return entries.map((e) => toCompletionItem(e, true));
    lastCompletion = entries;
    // one edit range for the list instead of one per item (186 setting names: half the payload); a list built once
    // (setting names, an analysis' queue names) sends items built once
    const shared = sharedList(entries);
    if (ctx.completionEditRange && shared) {
      let items = listItems.get(shared.base);
      if (!items) listItems.set(shared.base, (items = shared.base.map((e, i) => ({ ...toListItem(e), data: { i, label: e.label } }))));
      return { isIncomplete: false, itemDefaults: { editRange: shared.range }, items };
    }
    const range = entries[0].range;
    if (ctx.completionEditRange && range && entries.every((e) => e.range && sameRange(e.range, range))) {
      return { isIncomplete: false, itemDefaults: { editRange: range }, items: entries.map((e, i) => ({ ...toListItem(e), data: { i, label: e.label } })) };
    }
    return entries.map((e, i) => ({ ...toCompletionItem(e, false), data: { i, label: e.label } }));
  }));

  connection.onCompletionResolve(guard('completionResolve', null as unknown as CompletionItem, async (item) => {
    const { i, label } = (item.data ?? {}) as { i?: number; label?: string };
    const e = i !== undefined ? lastCompletion[i] : undefined;
    if (e && e.label === label && e.documentation) item.documentation = { kind: MarkupKind.Markdown, value: e.documentation };
    return item;
  }));

  // Lenses come with their title and `data`; the trace (the command's argument) is added by resolve, so a
  // file with 1,000 routes does not ship 1,000 traces. Clients without resolve support get them inline.
  connection.onCodeLens(guard('codeLens', [] as CodeLens[], async (p) => {
    if (!state.settings.codeLens.enable) return [];
    const d = await docOf(p.textDocument.uri);
    if (!d) return [];
    const lenses = cachedLenses(d.folder.project, d.file);
    if (!ctx.codeLensResolve) return lenses.map((l) => ({ range: l.range, command: lensCommand(l.title, l.trace()) }));
    return lenses.map((l, i) => ({ range: l.range, data: { uri: p.textDocument.uri, i, title: l.title } }));
  }));

  connection.onCodeLensResolve(guard('codeLensResolve', null as unknown as CodeLens, async (lens) => {
    const { uri, i, title } = (lens.data ?? {}) as { uri?: string; i?: number; title?: string };
    const d = uri ? await docOf(uri) : undefined;
    const l = d && i !== undefined ? cachedLenses(d.folder.project, d.file)[i] : undefined;
    // the analysis may have changed between the two requests: keep the title the editor shows
    if (!l || (title && l.title !== title)) return { ...lens, command: { title: title ?? '', command: '' } };
    return { range: lens.range, command: lensCommand(l.title, l.trace()) };
  }));

  connection.onDefinition(guard('definition', [], async (p) => {
    const d = await docOf(p.textDocument.uri);
    return d ? definition(d.folder.project, d.file, d.text, p.position, state.read).map(toLocation) : [];
  }));

  connection.onReferences(guard('references', [], async (p) => {
    const d = await docOf(p.textDocument.uri);
    return d ? references(d.folder.project, d.file, d.text, p.position, state.read, p.context.includeDeclaration).map(toLocation) : [];
  }));

  connection.onPrepareRename(guard('prepareRename', null, async (p) => {
    const d = await docOf(p.textDocument.uri);
    return (d && prepareRename(d.folder.project, d.file, d.text, p.position)) ?? null;
  }));

  connection.onRenameRequest(async (p, token) => {
    const d = await docOf(p.textDocument.uri);
    if (!d || token.isCancellationRequested) return null;
    let r: FileEdit[] | { error: string };
    try { r = renameQueue(d.folder.project, d.file, d.text, p.position, p.newName, state.read); } catch (err) {
      ctx.log(`rename failed: ${(err as Error).stack ?? err}`);
      return null;
    }
    if (!Array.isArray(r)) throw new ResponseError(LSPErrorCodes.RequestFailed, r.error);
    return toWorkspaceEdit(r);
  });

  connection.onDocumentSymbol(guard('documentSymbol', [], async (p) => {
    const d = await docOf(p.textDocument.uri);
    return d ? documentSymbols(d.folder.project, d.file, d.text).map(toDocumentSymbol) : [];
  }));

  connection.onWorkspaceSymbol(guard('workspaceSymbol', [], async (p) => {
    await ctx.ready;
    state.flush();
    return state.folders.flatMap((f) => workspaceSymbols(f.project, p.query)).map(toSymbolInformation);
  }));

  connection.onCodeAction(guard('codeAction', [] as CodeAction[], async (p) => {
    const d = await docOf(p.textDocument.uri);
    if (!d) return [];
    const diags = analysis(d.folder.project).diagnostics();
    return codeActions(d.folder.project, d.file, p.range, diags, state.read).map((a): CodeAction => {
      const lspDiag = p.context.diagnostics.find((x) => x.code === a.diagnostic.code && x.range.start.line === a.diagnostic.loc.range.start.line);
      return { title: a.title, kind: 'quickfix', isPreferred: a.preferred, diagnostics: lspDiag ? [lspDiag] : undefined, edit: toWorkspaceEdit(a.edits) };
    });
  }));

  // ------------------------------------------------------------ custom requests (shared/protocol.ts)

  connection.onRequest(ROUTE_TRACE_REQUEST, guard<RouteTraceParams, RouteTraceResult>('routeTrace', null, async (p) => {
    if ('uri' in p) {
      const d = await docOf(p.uri);
      const t = d && traceAt(d.folder.project, d.file, p.position);
      return t ? toTraceResult(t) : null;
    }
    await ctx.ready;
    state.flush();
    const folder = p.folderUri ? state.folders.find((f) => f.uri === p.folderUri) : state.folders.find((f) => f.project.task(p.task)) ?? state.folders[0];
    if (!folder) return null;
    const r = folder.project.route({ task: p.task, options: p.options ?? {}, via: p.via });
    const loc: Loc = r.definition?.loc ?? { file: folder.root, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    return toTraceResult(traceData(folder.project, r, `task ${p.task}`, loc));
  }));

  connection.onRequest(TASKS_REQUEST, guard<TasksParams, TasksResult>('tasks', [], async (p) => {
    await ctx.ready;
    state.flush();
    return foldersFor(p?.folderUri).flatMap((f) => taskList(f.project).map((t) => ({
      name: t.name, folderUri: f.uri, location: toLocation(t.loc), queue: t.queue, deliveredTo: t.deliveredTo,
      consumers: t.consumers, summary: t.summary, problem: t.problem,
    })));
  }));

  connection.onRequest(TOPOLOGY_REQUEST, guard<TopologyParams, TopologyResult | null>('topology', null, async (p) => {
    await ctx.ready;
    state.flush();
    const folders = foldersFor(p?.folderUri);
    const f = folders.find((x) => x.project.apps.length) ?? folders[0];
    if (!f) return null;
    const t = topology(f.project);
    return {
      ...t,
      folderUri: f.uri,
      queues: t.queues.map(({ loc, ...q }) => ({ ...q, location: loc ? toLocation(loc) : undefined })),
      exchanges: t.exchanges.map(({ loc, ...x }) => ({ ...x, location: loc ? toLocation(loc) : undefined })),
      workers: t.workers.map(({ loc, ...w }) => ({ ...w, location: toLocation(loc) })),
    };
  }));

  registerGraph(ctx, guard);

  function foldersFor(uri?: string): Folder[] {
    return uri ? state.folders.filter((f) => f.uri === uri) : state.folders;
  }
}

const lensCommand = (title: string, t: TraceData) => ({ title, command: SHOW_TRACE_COMMAND, arguments: [toTraceResult(t)] });

function toWorkspaceEdit(edits: FileEdit[]): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  for (const e of edits) (changes[toUri(e.file)] ??= []).push({ range: e.range, newText: e.newText });
  return { changes };
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
