/**
 * "Celery: Show Routing Map": a webview with the routing graph (`celery/graph`) laid out and drawn by the
 * same module as the CLI's `graph --format html` (server/src/service/graph-render.ts). Follows the theme
 * (CSS variables), strict CSP with a nonce, no remote resources; clicking a node reveals its source; redrawn
 * when the server finishes an analysis; queue depths from the broker explorer's latest snapshot.
 */
import * as vscode from 'vscode';
import { GRAPH_REQUEST, type GraphParams, type GraphResult, type Location } from '../../shared/protocol';
import { layoutGraph, pageData, randomNonce, renderHtml, renderSvg, type RenderGraph } from '../../server/src/service/graph-render';
import type { Ctx } from './ctx';
import { depthsFrom, routingMapCsp } from './routingMapData';

export const ROUTING_MAP_VIEW_TYPE = 'celeryRouting.routingMap';
const TITLE = 'Celery Routing Map';

export class RoutingMap implements vscode.Disposable {
  private static current: RoutingMap | undefined;

  static show(ctx: Ctx): RoutingMap {
    if (RoutingMap.current) {
      RoutingMap.current.panel.reveal(undefined, false);
      void RoutingMap.current.refresh();
      return RoutingMap.current;
    }
    const media = vscode.Uri.joinPath(ctx.context.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(ctx.context.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(ROUTING_MAP_VIEW_TYPE, TITLE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [media, dist],
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(media, 'celery.svg');
    RoutingMap.current = new RoutingMap(ctx, panel);
    void RoutingMap.current.refresh();
    return RoutingMap.current;
  }

  private readonly nonce = randomNonce();
  private readonly disposables: vscode.Disposable[] = [];
  private locations = new Map<string, Location>();
  private queues: string[] = [];
  private hasPage = false;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDepths = '';

  private constructor(private readonly ctx: Ctx, private readonly panel: vscode.WebviewPanel) {
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      ctx.onDidChangeModel(() => this.schedule()),
      ctx.explorer.onDidChangeState(() => this.postDepths()),
    );
  }

  /** Redraw soon (coalesces bursts of analyses). */
  schedule(delay = 250): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delay);
  }

  /** Fetch the graph, lay it out, draw it; one at a time (a request during a run runs once more after). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.render().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  private async render(): Promise<void> {
    let g: GraphResult | null;
    try {
      g = await this.ctx.request<GraphResult | null>(GRAPH_REQUEST, {} satisfies GraphParams);
    } catch (e) {
      this.message(`The routing graph is unavailable: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!g) {
      this.message('No workspace folder with Python files that use Celery.');
      return;
    }
    const rg: RenderGraph = {
      nodes: g.nodes.map(({ location, ...n }) => ({ ...n, where: location ? `${vscode.workspace.asRelativePath(vscode.Uri.parse(location.uri), false)}:${location.range.start.line + 1}` : undefined })),
      edges: g.edges,
      flows: g.flows,
    };
    this.locations = new Map(g.nodes.filter((n) => n.location).map((n) => [n.id, n.location!]));
    this.queues = g.nodes.filter((n) => n.kind === 'queue').map((n) => n.label);
    const t0 = Date.now();
    const layout = await layoutGraph(rg);
    this.ctx.output.debug(`[routing map] ${rg.nodes.length} nodes, ${rg.edges.length} edges laid out in ${Math.round(layout.ms)} ms (${Date.now() - t0} ms in all)`);
    const subtitle = `${g.app ?? 'no Celery app'} · ${vscode.workspace.asRelativePath(vscode.Uri.parse(g.folderUri), true) || vscode.Uri.parse(g.folderUri).fsPath}`;
    if (!this.hasPage) {
      this.hasPage = true;
      this.panel.webview.html = renderHtml(rg, layout, { title: TITLE, subtitle, nonce: this.nonce, csp: routingMapCsp(this.panel.webview.cspSource, this.nonce) });
    } else {
      await this.panel.webview.postMessage({ type: 'render', svg: renderSvg(layout, { nonce: this.nonce, title: TITLE }), data: pageData(rg), subtitle });
    }
    this.lastDepths = '';
    this.postDepths();
  }

  /** Before any graph: a plain page (same CSP). */
  private message(text: string): void {
    this.hasPage = false;
    const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    this.panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${routingMapCsp(this.panel.webview.cspSource, this.nonce)}"><style nonce="${this.nonce}">body { color: var(--vscode-descriptionForeground); font-family: var(--vscode-font-family); padding: 2em; }</style></head><body><p>${esc}</p></body></html>`;
  }

  /** Queue depths of the latest broker snapshot (none: badges removed). */
  private postDepths(): void {
    if (!this.hasPage) return;
    const depths = depthsFrom(this.ctx.explorer.latestSnapshot()?.snapshot, this.queues);
    const key = JSON.stringify(depths);
    if (key === this.lastDepths) return;
    this.lastDepths = key;
    void this.panel.webview.postMessage({ type: 'depths', depths });
  }

  private onMessage(m: unknown): void {
    if (!m || typeof m !== 'object') return;
    const msg = m as { type?: unknown; id?: unknown };
    if (msg.type === 'ready') {
      this.lastDepths = '';
      this.postDepths();
    } else if (msg.type === 'reveal' && typeof msg.id === 'string') {
      const loc = this.locations.get(msg.id);
      if (loc) void this.reveal(loc);
    }
  }

  private async reveal(loc: Location): Promise<void> {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
      const r = loc.range;
      const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character), viewColumn: column });
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot open ${loc.uri}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    if (RoutingMap.current === this) RoutingMap.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
