/** `celery/graph` (shared/protocol.ts): the routing graph of a folder, for the client's routing map. */
import type { CancellationToken } from 'vscode-languageserver/node';
import type { Context } from './features';
import type { Folder } from './state';
import { toLocation } from './convert';
import { buildGraph } from '../service/graph';
import { GRAPH_REQUEST, type GraphParams, type GraphResult } from '../../../shared/protocol';

/** The graph of the folder with a Celery app (or the one asked for), with LSP locations. */
export function graphResult(folders: Folder[]): GraphResult | null {
  const f = folders.find((x) => x.project.apps.length) ?? folders[0];
  if (!f) return null;
  const g = buildGraph(f.project);
  return {
    folderUri: f.uri,
    app: f.project.appFor()?.id ?? null,
    nodes: g.nodes.map(({ loc, ...n }) => ({ ...n, location: loc ? toLocation(loc) : undefined })),
    edges: g.edges,
    flows: g.flows ?? {},
  };
}

/** features.ts's handler wrapper (logged failures, cancellation). */
export type Guard = <P, R>(name: string, empty: R, fn: (params: P, token: CancellationToken) => Promise<R>) => (params: P, token: CancellationToken) => Promise<R>;

export function registerGraph(ctx: Context, guard: Guard): void {
  ctx.connection.onRequest(GRAPH_REQUEST, guard<GraphParams | undefined, GraphResult | null>('graph', null, async (p) => {
    await ctx.ready;
    ctx.state.flush();
    return graphResult(p?.folderUri ? ctx.state.folders.filter((f) => f.uri === p.folderUri) : ctx.state.folders);
  }));
}
