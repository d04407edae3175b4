/**
 * The routing map's layout for large graphs, without ELK. The topology is layered by kind: every edge goes from
 * a task to its route rule or exchange, a rule to an exchange, an exchange to a binding, a binding to a queue, a
 * queue to a worker — left to right, so each kind is a column and there is no cycle to break nor layering to
 * search. What remains is the classic layered drawing: long edges (a task straight to its exchange) get a dummy
 * in each column they cross, each column is ordered by barycenter sweeps (the order with the fewest crossings
 * wins), nodes are placed vertically by alternating sweeps where each column moves towards its neighbours'
 * centres (an order-preserving least-squares fit with the spacings as constraints: chains line up, a fan centres
 * on its hub), edges are polylines between ports spread along the node's side, and the connected components are
 * packed in rows as ELK packs them.
 *
 * ELK's first layout in a process takes 1.2-1.7 s on 1,250 nodes (its 1.6 MB of code is loaded, then runs cold
 * for most of the layout); this takes ~0.1 s cold, ~25 ms warm (scripts/bench-graph.mjs). graph-render.ts uses it
 * above LARGE_GRAPH nodes, and ELK below, where its orthogonal routing and model-order crossing minimisation are
 * affordable.
 */
import type { NodeKind } from './graph';

export interface ColumnNode { kind: NodeKind; width: number; height: number }
export interface ColumnSpacing {
  /** Between two nodes of a column. */
  nodeNode: number;
  /** Between a node and an edge passing through its column, and between two such edges. */
  edgeNode: number;
  edgeEdge: number;
  /** Least space between two columns (more where edges are steep). */
  betweenLayers: number;
  /** Between connected components. */
  component: number;
  padding: number;
}
export interface ColumnLayout {
  width: number;
  height: number;
  /** Per input node: top-left corner. */
  nodes: Array<{ x: number; y: number }>;
  /** Per input edge: the polyline, from the source's east side to the target's west side. */
  edges: Array<Array<{ x: number; y: number }>>;
}

const COLUMN: Record<NodeKind, number> = { task: 0, route: 1, exchange: 2, binding: 3, queue: 4, worker: 5 };

/** A node or a dummy (a long edge crossing a column) of one component. */
interface Item {
  node: number; // -1: dummy
  layer: number;
  height: number;
  /** Model order: the node's index, a dummy's edge's. Ties in every sort fall back to it. */
  key: number;
  /** Neighbours in the previous / next column, with weights (straight long edges weigh more). */
  preds: Array<{ item: Item; w: number }>;
  succs: Array<{ item: Item; w: number }>;
  pos: number; // index in its layer
  bary: number; // sort key of the ordering sweeps
  y: number; // top
}

/** Lay out a graph whose edges all go from an earlier column to a later one; undefined otherwise. */
export function columnLayout(nodes: readonly ColumnNode[], edges: ReadonlyArray<readonly [number, number]>, sp: ColumnSpacing): ColumnLayout | undefined {
  for (const n of nodes) if (COLUMN[n.kind] === undefined) return undefined;
  for (const [a, b] of edges) if (a === b || COLUMN[nodes[a].kind] >= COLUMN[nodes[b].kind]) return undefined;

  // Connected components (union-find), each in model order.
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const [a, b] of edges) parent[find(a)] = find(b);
  const compOf = new Map<number, number>();
  const comps: Array<{ nodes: number[]; edges: number[] }> = [];
  nodes.forEach((_, i) => {
    const r = find(i);
    let c = compOf.get(r);
    if (c === undefined) { compOf.set(r, (c = comps.length)); comps.push({ nodes: [], edges: [] }); }
    comps[c].nodes.push(i);
  });
  edges.forEach(([a], e) => comps[compOf.get(find(a))!].edges.push(e));

  const out: ColumnLayout = { width: 0, height: 0, nodes: nodes.map(() => ({ x: 0, y: 0 })), edges: edges.map(() => []) };
  const boxes = comps.map((c) => layoutComponent(nodes, edges, c.nodes, c.edges, sp, out));

  // Pack the components in rows (ELK's SimpleRowGraphPlacer): largest first, rows as wide as the widest
  // component or sqrt(area) × 1.6, whichever is more.
  const order = boxes.map((_, i) => i).sort((a, b) => boxes[b].width * boxes[b].height - boxes[a].width * boxes[a].height || a - b);
  const area = boxes.reduce((s, b) => s + (b.width + sp.component) * (b.height + sp.component), 0);
  const rowWidth = boxes.reduce((m, b) => Math.max(m, b.width), Math.sqrt(area) * 1.6);
  let x = 0, y = 0, rowHeight = 0, width = 0;
  for (const i of order) {
    const b = boxes[i];
    if (x > 0 && x + b.width > rowWidth) { x = 0; y += rowHeight + sp.component; rowHeight = 0; }
    const dx = sp.padding + x, dy = sp.padding + y;
    for (const n of comps[i].nodes) { out.nodes[n].x += dx; out.nodes[n].y += dy; }
    for (const e of comps[i].edges) for (const p of out.edges[e]) { p.x += dx; p.y += dy; }
    x += b.width + sp.component;
    width = Math.max(width, x - sp.component);
    rowHeight = Math.max(rowHeight, b.height);
  }
  out.width = width + 2 * sp.padding;
  out.height = y + rowHeight + 2 * sp.padding;
  return out;
}

/** One component, at (0, 0): writes its nodes' and edges' coordinates into `out`, returns its size. */
function layoutComponent(
  nodes: readonly ColumnNode[], edges: ReadonlyArray<readonly [number, number]>, compNodes: number[], compEdges: number[],
  sp: ColumnSpacing, out: ColumnLayout,
): { width: number; height: number } {
  // Columns this component uses, left to right.
  const cols = [...new Set(compNodes.map((n) => COLUMN[nodes[n].kind]))].sort((a, b) => a - b);
  const layerOf = new Map(cols.map((c, i) => [c, i]));
  const layers: Item[][] = cols.map(() => []);
  const item = (node: number, layer: number, height: number, key: number): Item => {
    const it: Item = { node, layer, height, key, preds: [], succs: [], pos: 0, bary: 0, y: 0 };
    layers[layer].push(it);
    return it;
  };
  const itemOf = new Map<number, Item>();
  for (const n of compNodes) itemOf.set(n, item(n, layerOf.get(COLUMN[nodes[n].kind])!, nodes[n].height, n));
  // Each edge as a chain of items: its source, a dummy per column crossed, its target.
  const chains = new Map<number, { chain: Item[]; outSlot: number; inSlot: number }>();
  for (const e of compEdges) {
    const [a, b] = edges[e];
    const s = itemOf.get(a)!, t = itemOf.get(b)!;
    const chain = [s];
    for (let l = s.layer + 1; l < t.layer; l++) chain.push(item(-1, l, 0, a + 0.5));
    chain.push(t);
    chains.set(e, { chain, outSlot: s.succs.length, inSlot: t.preds.length });
    for (let i = 1; i < chain.length; i++) {
      const w = chain[i - 1].node < 0 && chain[i].node < 0 ? 8 : chain[i - 1].node < 0 || chain[i].node < 0 ? 2 : 1;
      chain[i - 1].succs.push({ item: chain[i], w });
      chain[i].preds.push({ item: chain[i - 1], w });
    }
  }

  orderLayers(layers);
  placeVertically(layers, sp);

  // Columns: as wide as their widest node, nodes centred; more room between two columns where edges are steep.
  const layerWidth = layers.map((l) => l.reduce((m, it) => (it.node >= 0 ? Math.max(m, nodes[it.node].width) : m), 0));
  const centre = (it: Item) => it.y + it.height / 2;
  const layerX: number[] = [];
  let x = 0;
  for (let l = 0; l < layers.length; l++) {
    layerX.push(x);
    let steep = 0;
    if (l + 1 < layers.length) for (const it of layers[l]) for (const s of it.succs) steep = Math.max(steep, Math.abs(centre(s.item) - centre(it)));
    x += layerWidth[l] + Math.min(sp.betweenLayers * 3, sp.betweenLayers + steep / 12);
  }
  let top = Infinity, bottom = -Infinity;
  for (const l of layers) for (const it of l) { top = Math.min(top, it.y); bottom = Math.max(bottom, it.y + it.height); }
  for (const l of layers) {
    for (const it of l) {
      if (it.node < 0) continue;
      const n = nodes[it.node];
      out.nodes[it.node] = { x: layerX[it.layer] + (layerWidth[it.layer] - n.width) / 2, y: it.y - top };
    }
  }

  // Ports: a node's edges leave (enter) its east (west) side spread over the middle of its height, in the order
  // of the items at their other ends, so that the edges of one node do not cross each other there.
  const ports = (it: Item, ends: Array<{ item: Item }>) => {
    const ys = new Array<number>(ends.length);
    const sorted = ends.map((_, i) => i).sort((p, q) => ends[p].item.pos - ends[q].item.pos || p - q);
    const k = sorted.length, step = k > 1 ? Math.min(8, (it.height * 0.7) / (k - 1)) : 0;
    sorted.forEach((i, j) => (ys[i] = centre(it) - top + (j - (k - 1) / 2) * step));
    return ys;
  };
  const outPorts = new Map<Item, number[]>(), inPorts = new Map<Item, number[]>();
  for (const l of layers) for (const it of l) if (it.node >= 0) { outPorts.set(it, ports(it, it.succs)); inPorts.set(it, ports(it, it.preds)); }
  for (const [e, { chain, outSlot, inSlot }] of chains) {
    const s = chain[0], t = chain[chain.length - 1];
    // From a node narrower than its column, straight out to the column's side first (and into a narrower target
    // from its column's side): the slanted parts stay between columns, clear of the other nodes.
    const sx = out.nodes[s.node].x + nodes[s.node].width, sy = outPorts.get(s)![outSlot];
    const pts = [{ x: sx, y: sy }];
    if (layerX[s.layer] + layerWidth[s.layer] - sx > 0.5) pts.push({ x: layerX[s.layer] + layerWidth[s.layer], y: sy });
    for (const d of chain.slice(1, -1)) pts.push({ x: layerX[d.layer], y: d.y - top }, { x: layerX[d.layer] + layerWidth[d.layer], y: d.y - top });
    const tx = out.nodes[t.node].x, ty = inPorts.get(t)![inSlot];
    if (tx - layerX[t.layer] > 0.5) pts.push({ x: layerX[t.layer], y: ty });
    pts.push({ x: tx, y: ty });
    out.edges[e] = pts;
  }
  const last = layers.length - 1;
  return { width: layerX[last] + layerWidth[last], height: bottom - top };
}

// ------------------------------------------------------------------------------------------ ordering

/** Barycenter sweeps, left to right then right to left; keeps the order with the fewest crossings. */
function orderLayers(layers: Item[][]): void {
  const renumber = (l: Item[]) => l.forEach((it, i) => (it.pos = i));
  for (const l of layers) { l.sort((a, b) => a.key - b.key); renumber(l); }
  if (layers.length < 2) return;
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(layers);
  const byBary = (a: Item, b: Item) => a.bary - b.bary || a.pos - b.pos;
  const sortBy = (l: Item[], side: 'preds' | 'succs') => {
    for (const it of l) {
      const ns = it[side];
      it.bary = it.pos;
      if (!ns.length) continue;
      // Positions in the neighbouring column, scaled to this one's length (columns differ in size).
      let s = 0, w = 0;
      for (const n of ns) { s += n.item.pos * n.w; w += n.w; }
      const other = layers[ns[0].item.layer].length;
      if (other > 1) it.bary = ((s / w) * (l.length - 1)) / (other - 1);
    }
    l.sort(byBary);
    renumber(l);
  };
  for (let round = 0; round < 6 && bestCrossings > 0; round++) {
    for (let i = 1; i < layers.length; i++) sortBy(layers[i], 'preds');
    for (let i = layers.length - 2; i >= 0; i--) sortBy(layers[i], 'succs');
    const c = crossings(layers);
    if (c < bestCrossings) { bestCrossings = c; best = layers.map((l) => [...l]); }
    else if (round > 1) break;
  }
  best.forEach((l, i) => { layers[i] = l; renumber(l); });
}

/** Edge crossings between consecutive columns (Barth, Jünger, Mutzel: an accumulator tree, O(E log V)). */
function crossings(layers: Item[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const n = layers[l + 1].length;
    let first = 1;
    while (first < n) first *= 2;
    const tree = new Int32Array(2 * first - 1);
    first -= 1;
    const ends: number[] = [];
    for (const it of layers[l]) {
      ends.length = 0;
      for (const s of it.succs) ends.push(s.item.pos);
      if (ends.length > 1) ends.sort((a, b) => a - b);
      for (const p of ends) {
        let i = p + first;
        tree[i]++;
        while (i > 0) {
          if (i % 2) total += tree[i + 1];
          i = (i - 1) >> 1;
          tree[i]++;
        }
      }
    }
  }
  return total;
}

// ----------------------------------------------------------------------------------------- placement

/**
 * Vertical positions: columns stacked, then sweeps where each column's items move towards the weighted mean of
 * their neighbours' centres on one side, as close as the order and the spacings allow (least squares, solved
 * exactly by pooling adjacent violators).
 */
function placeVertically(layers: Item[][], sp: ColumnSpacing): void {
  const gap = (a: Item, b: Item) => (a.node < 0 && b.node < 0 ? sp.edgeEdge : a.node < 0 || b.node < 0 ? sp.edgeNode : sp.nodeNode);
  // Start centred on the tallest column.
  const extent = (l: Item[]) => l.reduce((s, it, i) => s + it.height + (i ? gap(l[i - 1], it) : 0), 0);
  const tallest = layers.reduce((m, l) => Math.max(m, extent(l)), 0);
  for (const l of layers) {
    let y = (tallest - extent(l)) / 2;
    l.forEach((it, i) => { if (i) y += gap(l[i - 1], it); it.y = y; y += it.height; });
  }
  const centre = (it: Item) => it.y + it.height / 2;
  const fit = (l: Item[], side: 'preds' | 'succs' | 'both') => {
    const target: number[] = [], weight: number[] = [];
    for (const it of l) {
      let s = 0, w = 0;
      if (side !== 'succs') for (const n of it.preds) { s += centre(n.item) * n.w; w += n.w; }
      if (side !== 'preds') for (const n of it.succs) { s += centre(n.item) * n.w; w += n.w; }
      if (!w) { target.push(it.y); weight.push(0.05); continue; }
      target.push(s / w - it.height / 2);
      weight.push(w);
    }
    // y[i] ≥ y[i-1] + height[i-1] + gap: with offsets o[i], z = y - o must be non-decreasing.
    const offset: number[] = [];
    let o = 0;
    l.forEach((it, i) => { if (i) o += l[i - 1].height + gap(l[i - 1], it); offset.push(o); });
    const z = isotonic(target.map((t, i) => t - offset[i]), weight);
    l.forEach((it, i) => (it.y = z[i] + offset[i]));
  };
  for (let round = 0; round < 8; round++) {
    for (let i = 1; i < layers.length; i++) fit(layers[i], 'preds');
    for (let i = layers.length - 2; i >= 0; i--) fit(layers[i], 'succs');
  }
  for (let i = 0; i < layers.length; i++) fit(layers[i], 'both');
}

/** Weighted least-squares non-decreasing fit (pool adjacent violators). */
function isotonic(values: number[], weights: number[]): number[] {
  const mean: number[] = [], w: number[] = [], size: number[] = [];
  for (let i = 0; i < values.length; i++) {
    mean.push(values[i]); w.push(weights[i]); size.push(1);
    while (mean.length > 1 && mean[mean.length - 2] > mean[mean.length - 1]) {
      const m2 = mean.pop()!, w2 = w.pop()!, s2 = size.pop()!;
      const j = mean.length - 1;
      mean[j] = (mean[j] * w[j] + m2 * w2) / (w[j] + w2);
      w[j] += w2;
      size[j] += s2;
    }
  }
  const out: number[] = [];
  mean.forEach((m, j) => { for (let k = 0; k < size[j]; k++) out.push(m); });
  return out;
}
