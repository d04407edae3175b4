/**
 * Lays out the routing graph (graph.ts) with ELK (elkjs, bundled, no web worker; graphs over LARGE_GRAPH nodes
 * with graph-columns.ts) and draws it: a standalone SVG, and an HTML page embedding it with a small script
 * (filter by task or queue, click for details / reveal, zoom, queue depths). The CLI (`graph --format
 * svg|html`) and the editor's routing map use this one module, so what the CLI exports is what the editor shows.
 *
 * Colours are CSS variables of VS Code's theme (`--vscode-*`) with fallbacks, so the same markup follows the
 * editor's theme in a webview and has sensible colours on its own. No inline `style` attributes: the page
 * works under a strict CSP (nonce'd <style> and <script> only).
 */
import { relative } from 'node:path';
import type ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode, ElkExtendedEdge, LayoutOptions } from 'elkjs/lib/elk-api';
import type { Graph, GraphEdge, NodeKind, NodeProblem } from './graph';
import { columnLayout } from './graph-columns';

/** A node as drawn: no Loc, a display location instead (relative path:line). */
export interface RenderNode {
  id: string;
  kind: NodeKind;
  label: string;
  sub?: string;
  problem?: NodeProblem;
  detail?: string;
  /** "events/tasks.py:14" */
  where?: string;
}
export interface RenderGraph { nodes: RenderNode[]; edges: GraphEdge[]; flows?: Record<string, string[]> }

export interface Point { x: number; y: number }
export interface LaidOutNode extends RenderNode { x: number; y: number; width: number; height: number }
export interface LaidOutEdge extends GraphEdge { points: Point[] }
export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  /** Time ELK took, in ms. */
  ms: number;
}

/** Queue depths from a broker snapshot: ready / unacknowledged messages; null = not on the broker. */
export type QueueDepths = Record<string, { ready: number; unacked: number | null } | null>;

/** Graph (with Locs) → what is drawn. `root` makes locations relative. */
export function toRenderGraph(g: Graph, root?: string): RenderGraph {
  return {
    nodes: g.nodes.map((n) => ({
      id: n.id, kind: n.kind, label: n.label, sub: n.sub, problem: n.problem, detail: n.detail,
      where: n.loc ? `${root ? relative(root, n.loc.file) || n.loc.file : n.loc.file}:${n.loc.range.start.line + 1}` : undefined,
    })),
    edges: g.edges.map((e) => ({ ...e })),
    flows: g.flows,
  };
}

// ------------------------------------------------------------------------------------------ layout

const MAX_LABEL = 56;
const CHAR_W = 7.3; // 12px monospace
const SUB_CHAR_W = 6.1; // 10px monospace
const clip = (s: string, n = MAX_LABEL) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The second line as drawn: the node's sub text and its problem. */
const subText = (n: RenderNode) => (n.problem ? `${n.sub ? `${n.sub} · ` : ''}⚠ ${n.problem}` : n.sub);

/** Node size from its text (monospace: the estimate holds in every browser and theme). */
export function nodeSize(n: RenderNode): { width: number; height: number } {
  const small = n.kind === 'binding';
  const cw = small ? SUB_CHAR_W + 0.5 : CHAR_W;
  const label = clip(n.label).length * cw;
  const subLine = subText(n);
  const sub = subLine ? clip(subLine).length * SUB_CHAR_W : 0;
  const pad = n.kind === 'exchange' ? 34 : n.kind === 'task' ? 28 : n.kind === 'queue' ? 30 : 20;
  const width = Math.ceil(Math.max(small ? 36 : 70, label, sub) + pad);
  const height = small ? (subLine ? 32 : 22) : subLine ? 40 : 28;
  return { width, height };
}

/**
 * Above this many nodes the map is laid out by graph-columns.ts (one column per kind, barycenter ordering,
 * polyline edges) instead of ELK: ELK's first layout in a process took 1.2-1.7 s on a 300-queue topology
 * (1,250 nodes), that one takes ~0.1 s.
 */
export const LARGE_GRAPH = 400;

const SPACING = { nodeNode: 10, componentComponent: 24, betweenLayers: 36, edgeNodeBetweenLayers: 14, edgeEdgeBetweenLayers: 8, padding: 16 };

function layoutOptions(nodes: number): LayoutOptions {
  const common: LayoutOptions = {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.padding': `[top=${SPACING.padding},left=${SPACING.padding},bottom=${SPACING.padding},right=${SPACING.padding}]`,
    'elk.spacing.nodeNode': `${SPACING.nodeNode}`,
    'elk.spacing.componentComponent': `${SPACING.componentComponent}`,
    'elk.layered.spacing.nodeNodeBetweenLayers': `${SPACING.betweenLayers}`,
    'elk.layered.spacing.edgeNodeBetweenLayers': `${SPACING.edgeNodeBetweenLayers}`,
    'elk.layered.spacing.edgeEdgeBetweenLayers': `${SPACING.edgeEdgeBetweenLayers}`,
  };
  // Stable pictures across live updates: keep the builder's order where crossings allow (costs ~25% on
  // large graphs, where speed wins).
  if (nodes <= LARGE_GRAPH) return { ...common, 'elk.edgeRouting': 'ORTHOGONAL', 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' };
  // A large graph that is not layered by kind (graph.ts makes none): ELK, cheap settings.
  return {
    ...common,
    'elk.edgeRouting': 'POLYLINE',
    'elk.layered.thoroughness': '1',
    'elk.layered.layering.strategy': 'LONGEST_PATH',
    'elk.layered.nodePlacement.strategy': 'SIMPLE',
    'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  };
}

let elk: InstanceType<typeof ELK> | undefined;

/**
 * ELK, loaded on first use (parsing its 1.6 MB takes 100-300 ms: not at extension activation). The bundles
 * load it from dist/elk.bundled.js (scripts/build.mjs); its fake worker runs the layout in this thread.
 */
function elkInstance(): InstanceType<typeof ELK> {
  if (!elk) {
    const mod = require('elkjs/lib/elk.bundled.js') as { default?: typeof ELK } & typeof ELK; // eslint-disable-line @typescript-eslint/no-require-imports
    const Ctor = mod.default ?? mod;
    elk = new Ctor();
  }
  return elk;
}

/** Lay the graph out left to right: tasks first, workers last. */
export async function layoutGraph(g: RenderGraph): Promise<GraphLayout> {
  const ids = new Set(g.nodes.map((n) => n.id));
  const edges = g.edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
  const sizes = g.nodes.map(nodeSize);
  if (g.nodes.length > LARGE_GRAPH) {
    const t0 = performance.now();
    const index = new Map(g.nodes.map((n, i) => [n.id, i]));
    const l = columnLayout(g.nodes.map((n, i) => ({ kind: n.kind, ...sizes[i] })), edges.map((e) => [index.get(e.from)!, index.get(e.to)!] as const), {
      nodeNode: SPACING.nodeNode, edgeNode: SPACING.nodeNode, edgeEdge: SPACING.edgeEdgeBetweenLayers, betweenLayers: SPACING.betweenLayers,
      component: SPACING.componentComponent, padding: SPACING.padding,
    });
    if (l) {
      return {
        width: Math.ceil(l.width), height: Math.ceil(l.height),
        nodes: g.nodes.map((n, i) => ({ ...n, x: round(l.nodes[i].x), y: round(l.nodes[i].y), ...sizes[i] })),
        edges: edges.map((e, i) => ({ ...e, points: l.edges[i].map((p) => ({ x: round(p.x), y: round(p.y) })) })),
        ms: performance.now() - t0,
      };
    }
  }
  const elk = elkInstance();
  const root: ElkNode = {
    id: '__root',
    layoutOptions: layoutOptions(g.nodes.length),
    children: g.nodes.map((n, i) => ({
      id: n.id, ...sizes[i],
      layoutOptions: n.kind === 'task' ? { 'elk.layered.layering.layerConstraint': 'FIRST' } : n.kind === 'worker' ? { 'elk.layered.layering.layerConstraint': 'LAST' } : undefined,
    })),
    edges: edges.map((e, i): ElkExtendedEdge => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const t0 = performance.now();
  const out = await elk.layout(root);
  const ms = performance.now() - t0;
  const pos = new Map((out.children ?? []).map((c) => [c.id, c]));
  const nodes: LaidOutNode[] = g.nodes.map((n) => {
    const c = pos.get(n.id)!;
    return { ...n, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 };
  });
  const outEdges = new Map(((out.edges ?? []) as ElkExtendedEdge[]).map((e) => [e.id, e]));
  const laidEdges: LaidOutEdge[] = edges.map((e, i) => {
    const s = outEdges.get(`e${i}`)?.sections?.[0];
    const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [];
    return { ...e, points: points.map((p) => ({ x: round(p.x), y: round(p.y) })) };
  });
  return { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), nodes, edges: laidEdges, ms };
}

const round = (n: number) => Math.round(n * 10) / 10;

// --------------------------------------------------------------------------------------------- SVG

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Problem → colour (theme variable, fallback). Tests read the fallbacks. */
export const PROBLEM_COLORS: Record<NodeProblem, { variable: string; fallback: string }> = {
  error: { variable: '--vscode-editorError-foreground', fallback: '#e51400' },
  dropped: { variable: '--vscode-charts-purple', fallback: '#9b4dca' },
  unreachable: { variable: '--vscode-editorWarning-foreground', fallback: '#bf8803' },
  unknown: { variable: '--vscode-editorInfo-foreground', fallback: '#1a85ff' },
};

export const KIND_TITLES: Record<NodeKind, string> = { task: 'task', route: 'route rule', exchange: 'exchange', binding: 'binding', queue: 'queue', worker: 'worker' };

/** The SVG's own stylesheet (theme variables with fallbacks). */
export function svgCss(): string {
  const problems = (Object.keys(PROBLEM_COLORS) as NodeProblem[]).map((p) => `--cr-${p}: var(${PROBLEM_COLORS[p].variable}, ${PROBLEM_COLORS[p].fallback});`).join(' ');
  return `
.cr-map { --cr-fg: var(--vscode-editor-foreground, #1f2328); --cr-node: var(--vscode-editorWidget-background, #f6f8fa);
  --cr-border: var(--vscode-editorWidget-border, var(--vscode-contrastBorder, #8c959f)); --cr-muted: var(--vscode-descriptionForeground, #656d76);
  --cr-edge: var(--vscode-editorLineNumber-foreground, #8c959f); --cr-exchange: var(--vscode-charts-green, #388a34);
  --cr-focus: var(--vscode-focusBorder, #0090f1); ${problems}
  font-family: var(--vscode-editor-font-family, ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace); }
.cr-map .edge { fill: none; stroke: var(--cr-edge); stroke-width: 1.2; }
.cr-map .arrowhead { fill: var(--cr-edge); }
.cr-map .shape { fill: var(--cr-node); stroke: var(--cr-border); stroke-width: 1.2; }
.cr-map .k-route .shape { stroke-dasharray: 4 2; }
.cr-map .k-exchange .shape { stroke: var(--cr-exchange); }
.cr-map .k-binding .shape { fill: none; stroke: var(--cr-edge); stroke-dasharray: 2 2; }
.cr-map .k-worker .shape { stroke-width: 2; }
.cr-map .label { fill: var(--cr-fg); font-size: 12px; }
.cr-map .k-binding .label { font-size: 10.5px; fill: var(--cr-muted); }
.cr-map .sub { fill: var(--cr-muted); font-size: 10px; }
.cr-map .node[data-problem] .shape { stroke-width: 2.5; }
${(Object.keys(PROBLEM_COLORS) as NodeProblem[]).map((p) => `.cr-map .p-${p} .shape { stroke: var(--cr-${p}); fill: color-mix(in srgb, var(--cr-${p}) 14%, var(--cr-node)); }
.cr-map .p-${p} .sub { fill: var(--cr-${p}); }`).join('\n')}
.cr-map .p-unknown .shape { stroke-dasharray: 5 3; }
.cr-map .depth rect { fill: var(--vscode-badge-background, #4d4d4d); }
.cr-map .depth text { fill: var(--vscode-badge-foreground, #ffffff); font-size: 10px; }
.cr-map .depth.missing rect { fill: var(--cr-error); }
`;
}

function shape(n: LaidOutNode): string {
  const { width: w, height: h } = n;
  switch (n.kind) {
    case 'task': return `<rect class="shape" width="${w}" height="${h}" rx="${Math.min(14, h / 2)}"/>`;
    case 'exchange': {
      const d = Math.min(12, h / 2);
      return `<polygon class="shape" points="${d},0 ${w - d},0 ${w},${h / 2} ${w - d},${h} ${d},${h} 0,${h / 2}"/>`;
    }
    case 'queue': return `<rect class="shape" width="${w}" height="${h}" rx="3"/><path class="shape" d="M${w - 10},0 v${h} M10,0 v${h}"/>`;
    case 'worker': return `<rect class="shape" width="${w}" height="${h}" rx="1"/>`;
    case 'binding': return `<rect class="shape" width="${w}" height="${h}" rx="${h / 2}"/>`;
    default: return `<rect class="shape" width="${w}" height="${h}" rx="4"/>`;
  }
}

function nodeSvg(n: LaidOutNode, depth: QueueDepths[string] | undefined): string {
  const cls = `node k-${n.kind}${n.problem ? ` p-${n.problem}` : ''}`;
  const title = [`${KIND_TITLES[n.kind]} ${n.label}`, n.sub, n.problem ? `⚠ ${n.problem}${n.detail ? `: ${n.detail}` : ''}` : n.detail, n.where].filter(Boolean).join('\n');
  const cx = n.width / 2;
  const sub = subText(n);
  const text = sub
    ? `<text class="label" x="${cx}" y="${n.height / 2 - 3}" text-anchor="middle">${xml(clip(n.label))}</text><text class="sub" x="${cx}" y="${n.height / 2 + 11}" text-anchor="middle">${xml(clip(sub))}</text>`
    : `<text class="label" x="${cx}" y="${n.height / 2 + 4}" text-anchor="middle">${xml(clip(n.label))}</text>`;
  return `<g class="${cls}" data-id="${xml(n.id)}" data-kind="${n.kind}"${n.problem ? ` data-problem="${n.problem}"` : ''} data-label="${xml(n.label)}" transform="translate(${round(n.x)} ${round(n.y)})" tabindex="0" role="button" aria-label="${xml(`${KIND_TITLES[n.kind]} ${n.label}${n.problem ? ` (${n.problem})` : ''}`)}"><title>${xml(title)}</title>${shape(n)}${text}${n.kind === 'queue' && depth !== undefined ? depthSvg(n.width, depth) : ''}</g>`;
}

/** The depth badge at a queue node's top-right corner (the page script draws the same on updates). */
export function depthSvg(width: number, d: QueueDepths[string]): string {
  const text = d ? `${d.ready}` : 'missing';
  const w = Math.max(18, text.length * 6.2 + 10);
  const tip = d ? `${d.ready} ready${d.unacked !== null ? `, ${d.unacked} unacknowledged` : ''}` : 'not on the broker';
  return `<g class="depth${d ? '' : ' missing'}" transform="translate(${round(width - w + 4)} -8)"><title>${xml(tip)}</title><rect width="${round(w)}" height="15" rx="7.5"/><text x="${round(w / 2)}" y="11" text-anchor="middle">${xml(text)}</text></g>`;
}

function edgeSvg(e: LaidOutEdge): string {
  if (!e.points.length) return '';
  const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
  return `<path class="edge" data-from="${xml(e.from)}" data-to="${xml(e.to)}" d="${d}" marker-end="url(#cr-arrow)">${e.label ? `<title>${xml(e.label)}</title>` : ''}</path>`;
}

export interface SvgOptions {
  depths?: QueueDepths;
  /** Nonce of the embedded <style> (pages under a CSP). */
  nonce?: string;
  title?: string;
}

/** A standalone SVG document (also embedded as is in the HTML page and the webview). */
export function renderSvg(l: GraphLayout, opts: SvgOptions = {}): string {
  const w = Math.max(l.width, 40), h = Math.max(l.height, 40);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="cr-map" id="cr-svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${xml(opts.title ?? 'Celery routing map')}">`,
    `<style${opts.nonce ? ` nonce="${xml(opts.nonce)}"` : ''}>${svgCss()}</style>`,
    '<defs><marker id="cr-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    `<g class="edges">${l.edges.map(edgeSvg).join('')}</g>`,
    `<g class="nodes">${l.nodes.map((n) => nodeSvg(n, opts.depths ? opts.depths[n.label] : undefined)).join('')}</g>`,
    '</svg>',
  ].join('\n');
}

// -------------------------------------------------------------------------------------------- HTML

export interface HtmlOptions extends SvgOptions {
  title: string;
  /** The Content-Security-Policy (the webview passes its own, with its cspSource); default: nonce-only. */
  csp?: string;
  /** Subtitle: the project folder, the app. */
  subtitle?: string;
}

/** Data the page script reads (ids, kinds, labels, problems, locations; edges). */
export function pageData(g: RenderGraph) {
  return { nodes: g.nodes.map((n) => ({ id: n.id, kind: n.kind, label: n.label, sub: n.sub, problem: n.problem, detail: n.detail, where: n.where })), edges: g.edges.map((e) => ({ from: e.from, to: e.to, label: e.label })), flows: g.flows ?? {} };
}

/** JSON safe inside <script type="application/json">. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export function randomNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

const PAGE_CSS = `
:root { color-scheme: light dark; }
html, body { margin: 0; padding: 0; height: 100%; }
body { background: var(--vscode-editor-background, #ffffff); color: var(--vscode-foreground, #1f2328);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
  display: flex; flex-direction: column; }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 6px 10px;
  border-bottom: 1px solid var(--vscode-panel-border, #d0d7de); }
header h1 { font-size: 1em; margin: 0 8px 0 0; font-weight: 600; }
header .subtitle { color: var(--vscode-descriptionForeground, #656d76); }
input, select, button { font: inherit; color: var(--vscode-input-foreground, inherit); background: var(--vscode-input-background, #ffffff);
  border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, #d0d7de)); border-radius: 2px; padding: 2px 6px; }
input:focus, select:focus, button:focus { outline: 1px solid var(--vscode-focusBorder, #0090f1); outline-offset: -1px; }
button { background: var(--vscode-button-secondaryBackground, #e7e9eb); color: var(--vscode-button-secondaryForeground, inherit); cursor: pointer; }
button:hover { background: var(--vscode-button-secondaryHoverBackground, #d0d7de); }
#cr-filter { min-width: 16em; }
#cr-count { color: var(--vscode-descriptionForeground, #656d76); }
.legend { display: flex; gap: 10px; margin-left: auto; color: var(--vscode-descriptionForeground, #656d76); }
.legend span::before { content: ''; display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
${(Object.keys(PROBLEM_COLORS) as NodeProblem[]).map((p) => `.legend .l-${p}::before { background: var(${PROBLEM_COLORS[p].variable}, ${PROBLEM_COLORS[p].fallback}); }`).join('\n')}
main { flex: 1; display: flex; min-height: 0; }
#cr-canvas { flex: 1; overflow: auto; }
#cr-canvas svg { display: block; }
#cr-details { width: 18em; flex: none; padding: 8px 10px; border-left: 1px solid var(--vscode-panel-border, #d0d7de); overflow: auto; }
#cr-details[hidden] { display: none; }
#cr-details h2 { font-size: 1em; margin: 0 0 4px; word-break: break-all; }
#cr-details .kind { color: var(--vscode-descriptionForeground, #656d76); text-transform: uppercase; font-size: .8em; letter-spacing: .05em; }
#cr-details .problem { font-weight: 600; }
#cr-details .where { font-family: var(--vscode-editor-font-family, monospace); word-break: break-all; }
#cr-details a { color: var(--vscode-textLink-foreground, #0969da); cursor: pointer; }
#cr-empty { padding: 2em; color: var(--vscode-descriptionForeground, #656d76); }
.cr-map .node { cursor: pointer; }
.cr-map .node:focus { outline: none; }
.cr-map .node:focus .shape, .cr-map .node.selected .shape { stroke: var(--cr-focus); stroke-width: 2.5; }
.cr-map .out { opacity: .12; }
.cr-map .node.out { pointer-events: none; }
.cr-map .edge.hl { stroke: var(--cr-focus); stroke-width: 2; }
`;

/**
 * The page script (plain ES2019, no dependencies). Reads #cr-data, filters, selects, zooms; in a VS Code
 * webview it posts {type:'reveal', id} on click and takes {type:'render', svg, data} and
 * {type:'depths', depths} messages.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
  var data = JSON.parse(document.getElementById('cr-data').textContent);
  var canvas = document.getElementById('cr-canvas');
  var filterInput = document.getElementById('cr-filter');
  var kindSelect = document.getElementById('cr-kind');
  var countEl = document.getElementById('cr-count');
  var details = document.getElementById('cr-details');
  var state = (vscode && vscode.getState()) || {};
  var zoom = state.zoom || 1;
  var selected = state.selected || null;
  var depths = null;
  var byId, down, up;
  function index() {
    byId = {}; down = {}; up = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; down[n.id] = []; up[n.id] = []; });
    data.edges.forEach(function (e) { if (down[e.from] && up[e.to]) { down[e.from].push(e.to); up[e.to].push(e.from); } });
  }
  function svg() { return canvas.querySelector('svg'); }
  function nodeEls() { var s = svg(); return s ? Array.prototype.slice.call(s.querySelectorAll('g.node')) : []; }
  function edgeEls() { var s = svg(); return s ? Array.prototype.slice.call(s.querySelectorAll('path.edge')) : []; }
  function reach(start, adj) {
    var seen = {}, stack = start.slice();
    start.forEach(function (id) { seen[id] = true; });
    while (stack.length) { var id = stack.pop(); (adj[id] || []).forEach(function (x) { if (!seen[x]) { seen[x] = true; stack.push(x); } }); }
    return seen;
  }
  /**
   * Nodes matching the filter and what they connect to. A task: its flow (route rule, exchange, the bindings
   * and queues its message lands in, their workers). A queue: its consumers, the bindings into it and their
   * exchanges, and the flows of the tasks that land in it up to the queue. (Following edges from a task
   * would overshoot: exchanges are shared.)
   */
  function flowOf(id) { return (data.flows && data.flows[id]) || null; }
  function visibleFor(hits) {
    var vis = {};
    hits.forEach(function (id) {
      var n = byId[id];
      vis[id] = true;
      if (n.kind === 'task') {
        var f = flowOf(id);
        if (f) f.forEach(function (x) { vis[x] = true; });
        else { var r = reach([id], down); Object.keys(r).forEach(function (x) { vis[x] = true; }); }
      } else {
        Object.keys(reach([id], down)).forEach(function (x) { vis[x] = true; });
        (up[id] || []).forEach(function (b) { vis[b] = true; (up[b] || []).forEach(function (x) { vis[x] = true; }); });
        Object.keys(data.flows || {}).forEach(function (t) {
          var f = data.flows[t];
          if (f.indexOf(id) < 0) return;
          f.forEach(function (x) {
            var k = byId[x] && byId[x].kind;
            if (k === 'task' || k === 'route' || k === 'exchange' || (k === 'binding' && (down[x] || []).indexOf(id) >= 0)) vis[x] = true;
          });
        });
      }
    });
    return vis;
  }
  function applyFilter() {
    var term = filterInput.value.trim().toLowerCase();
    var kind = kindSelect.value;
    var total = data.nodes.length, shown = total;
    if (!term) {
      nodeEls().concat(edgeEls()).forEach(function (el) { el.classList.remove('out'); });
    } else {
      var hits = data.nodes.filter(function (n) {
        return (kind === 'any' ? n.kind === 'task' || n.kind === 'queue' : n.kind === kind) && n.label.toLowerCase().indexOf(term) >= 0;
      }).map(function (n) { return n.id; });
      var vis = visibleFor(hits);
      shown = 0;
      nodeEls().forEach(function (el) { var on = !!vis[el.getAttribute('data-id')]; el.classList.toggle('out', !on); if (on) shown++; });
      edgeEls().forEach(function (el) { el.classList.toggle('out', !(vis[el.getAttribute('data-from')] && vis[el.getAttribute('data-to')])); });
    }
    countEl.textContent = term ? shown + ' of ' + total + ' nodes' : total + ' nodes, ' + data.edges.length + ' edges';
    save();
  }
  function save() { if (vscode) vscode.setState({ filter: filterInput.value, kind: kindSelect.value, zoom: zoom, selected: selected }); }
  function setZoom(z) {
    zoom = Math.min(4, Math.max(0.1, z));
    var s = svg(); if (!s) return;
    var vb = s.viewBox.baseVal;
    s.setAttribute('width', String(Math.round(vb.width * zoom)));
    s.setAttribute('height', String(Math.round(vb.height * zoom)));
    save();
  }
  function fit() {
    var s = svg(); if (!s) return;
    var vb = s.viewBox.baseVal;
    setZoom(Math.min(1.5, (canvas.clientWidth - 8) / vb.width, (canvas.clientHeight - 8) / vb.height));
  }
  function text(tag, cls, s) { var el = document.createElement(tag); if (cls) el.className = cls; el.textContent = s; return el; }
  function showDetails(id) {
    var n = byId[id];
    details.textContent = '';
    if (!n) { details.hidden = true; return; }
    details.hidden = false;
    details.appendChild(text('div', 'kind', n.kind === 'route' ? 'route rule' : n.kind));
    details.appendChild(text('h2', '', n.label));
    if (n.sub) details.appendChild(text('div', 'sub', n.sub));
    if (n.problem) details.appendChild(text('p', 'problem p-' + n.problem, '⚠ ' + n.problem));
    if (n.detail) details.appendChild(text('p', 'detail', n.detail));
    if (depths && n.kind === 'queue' && Object.prototype.hasOwnProperty.call(depths, n.label)) {
      var dq = depths[n.label];
      details.appendChild(text('p', 'depth', dq ? dq.ready + ' ready' + (dq.unacked !== null ? ', ' + dq.unacked + ' unacknowledged' : '') : 'not on the broker'));
    }
    if (n.where) {
      var p = document.createElement('p'); p.className = 'where';
      if (vscode) { var a = text('a', '', n.where); a.setAttribute('role', 'link'); a.tabIndex = 0; a.addEventListener('click', function () { reveal(id); }); p.appendChild(a); }
      else p.textContent = n.where;
      details.appendChild(p);
    }
    var ins = up[id] || [], outs = down[id] || [];
    if (ins.length) details.appendChild(text('p', 'in', '← ' + ins.map(function (x) { return byId[x] ? byId[x].label : x; }).join(', ')));
    if (outs.length) details.appendChild(text('p', 'out', '→ ' + outs.map(function (x) { return byId[x] ? byId[x].label : x; }).join(', ')));
  }
  function select(id) {
    selected = id;
    nodeEls().forEach(function (el) { el.classList.toggle('selected', el.getAttribute('data-id') === id); });
    edgeEls().forEach(function (el) { el.classList.toggle('hl', !!id && (el.getAttribute('data-from') === id || el.getAttribute('data-to') === id)); });
    showDetails(id);
    save();
  }
  function reveal(id) { if (vscode && byId[id] && byId[id].where) vscode.postMessage({ type: 'reveal', id: id }); }
  function nodeOf(target) { while (target && target !== canvas) { if (target.classList && target.classList.contains('node')) return target; target = target.parentNode; } return null; }
  canvas.addEventListener('click', function (ev) {
    var el = nodeOf(ev.target);
    if (!el) return;
    var id = el.getAttribute('data-id');
    select(id);
    reveal(id);
  });
  canvas.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    var el = nodeOf(ev.target);
    if (!el) return;
    ev.preventDefault();
    var id = el.getAttribute('data-id');
    select(id);
    reveal(id);
  });
  canvas.addEventListener('wheel', function (ev) {
    if (!ev.ctrlKey && !ev.metaKey) return;
    ev.preventDefault();
    setZoom(zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
  }, { passive: false });
  var SVGNS = 'http://www.w3.org/2000/svg';
  function applyDepths() {
    nodeEls().forEach(function (el) {
      if (el.getAttribute('data-kind') !== 'queue') return;
      var old = el.querySelector('g.depth'); if (old) old.parentNode.removeChild(old);
      var name = el.getAttribute('data-label');
      if (!depths || !Object.prototype.hasOwnProperty.call(depths, name)) return;
      var dq = depths[name];
      var label = dq ? String(dq.ready) : 'missing';
      var w = Math.max(18, label.length * 6.2 + 10);
      var width = el.querySelector('.shape').getBBox().width;
      var g = document.createElementNS(SVGNS, 'g');
      g.setAttribute('class', 'depth' + (dq ? '' : ' missing'));
      g.setAttribute('transform', 'translate(' + (width - w + 4) + ' -8)');
      var t = document.createElementNS(SVGNS, 'title');
      t.textContent = dq ? dq.ready + ' ready' + (dq.unacked !== null ? ', ' + dq.unacked + ' unacknowledged' : '') : 'not on the broker';
      var r = document.createElementNS(SVGNS, 'rect');
      r.setAttribute('width', String(w)); r.setAttribute('height', '15'); r.setAttribute('rx', '7.5');
      var tx = document.createElementNS(SVGNS, 'text');
      tx.setAttribute('x', String(w / 2)); tx.setAttribute('y', '11'); tx.setAttribute('text-anchor', 'middle');
      tx.textContent = label;
      g.appendChild(t); g.appendChild(r); g.appendChild(tx);
      el.appendChild(g);
    });
    if (selected) showDetails(selected);
  }
  function afterRender() {
    index();
    document.getElementById('cr-empty').hidden = data.nodes.length > 0;
    setZoom(zoom);
    applyFilter();
    applyDepths();
    if (selected && byId[selected]) select(selected); else { selected = null; details.hidden = true; }
  }
  filterInput.addEventListener('input', applyFilter);
  kindSelect.addEventListener('change', applyFilter);
  document.getElementById('cr-zoom-in').addEventListener('click', function () { setZoom(zoom * 1.25); });
  document.getElementById('cr-zoom-out').addEventListener('click', function () { setZoom(zoom / 1.25); });
  document.getElementById('cr-zoom-fit').addEventListener('click', fit);
  window.addEventListener('message', function (ev) {
    var m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'render' && typeof m.svg === 'string' && m.data) {
      data = m.data;
      canvas.querySelectorAll('svg').forEach(function (s) { s.parentNode.removeChild(s); });
      canvas.insertAdjacentHTML('beforeend', m.svg);
      if (m.subtitle !== undefined) document.getElementById('cr-subtitle').textContent = m.subtitle;
      afterRender();
    } else if (m.type === 'depths') {
      depths = m.depths || null;
      applyDepths();
    }
  });
  if (state.filter) filterInput.value = state.filter;
  if (state.kind) kindSelect.value = state.kind;
  afterRender();
  window.celeryRoutingMap = {
    filter: function (term, kind) { filterInput.value = term; if (kind) kindSelect.value = kind; applyFilter(); },
    select: select,
    visibleNodeIds: function () { return nodeEls().filter(function (el) { return !el.classList.contains('out'); }).map(function (el) { return el.getAttribute('data-id'); }); },
    data: function () { return data; },
  };
  if (vscode) vscode.postMessage({ type: 'ready' });
})();`;

/** The page: toolbar, the SVG, a details pane, the data and the script. */
export function renderHtml(g: RenderGraph, l: GraphLayout, opts: HtmlOptions): string {
  const nonce = opts.nonce ?? randomNonce();
  const csp = opts.csp ?? `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:;`;
  const legend = (Object.keys(PROBLEM_COLORS) as NodeProblem[]).map((p) => `<span class="l-${p}">${p}</span>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${xml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${xml(opts.title)}</title>
<style nonce="${xml(nonce)}">${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${xml(opts.title)}</h1><span class="subtitle" id="cr-subtitle">${xml(opts.subtitle ?? '')}</span>
<input id="cr-filter" type="search" placeholder="Filter by task or queue" aria-label="Filter by task or queue">
<select id="cr-kind" aria-label="Filter on"><option value="any">tasks and queues</option><option value="task">tasks</option><option value="queue">queues</option></select>
<button id="cr-zoom-out" title="Zoom out" aria-label="Zoom out">−</button><button id="cr-zoom-in" title="Zoom in" aria-label="Zoom in">+</button><button id="cr-zoom-fit" title="Fit to window">Fit</button>
<span id="cr-count"></span>
<span class="legend">${legend}</span>
</header>
<main>
<div id="cr-canvas"><div id="cr-empty" hidden>No tasks, queues or workers found.</div>
${renderSvg(l, { ...opts, nonce })}
</div>
<aside id="cr-details" hidden aria-live="polite"></aside>
</main>
<script type="application/json" id="cr-data">${scriptJson(pageData(g))}</script>
<script nonce="${xml(nonce)}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Lay out and draw in one go (the CLI). */
export async function graphToSvg(g: RenderGraph, opts: SvgOptions = {}): Promise<string> {
  return renderSvg(await layoutGraph(g), opts);
}

export async function graphToHtml(g: RenderGraph, opts: HtmlOptions): Promise<string> {
  return renderHtml(g, await layoutGraph(g), opts);
}
