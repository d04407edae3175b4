// The large-graph layout (graph-columns.ts, used by layoutGraph above LARGE_GRAPH nodes): one column per kind,
// no overlaps, edges from side to side and clear of other nodes, long edges bent through the columns they cross,
// crossings removed where the order allows, and ELK left unloaded. How it looks: render.test.ts draws the
// 300-queue map in Chromium; scripts/bench-graph.mjs times it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnLayout, type ColumnNode } from '../../../server/src/service/graph-columns';
import { layoutGraph, LARGE_GRAPH, type GraphLayout, type RenderGraph } from '../../../server/src/service/graph-render';
import type { NodeKind } from '../../../server/src/service/graph';
import { syntheticGraph } from './synthetic';

const SPACING = { nodeNode: 10, edgeNode: 10, edgeEdge: 8, betweenLayers: 36, component: 24, padding: 16 };
const ORDER: NodeKind[] = ['task', 'route', 'exchange', 'binding', 'queue', 'worker'];

function assertNoOverlap(l: GraphLayout) {
  const ns = [...l.nodes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < ns.length; i++) {
    for (let j = i + 1; j < ns.length && ns[j].x < ns[i].x + ns[i].width; j++) {
      const a = ns[i], b = ns[j];
      assert.ok(!(a.y < b.y + b.height && b.y < a.y + a.height), `${a.id} overlaps ${b.id}`);
    }
  }
}

/** Edges leave their source's east side, enter their target's west side, and cross no other node's box. */
function assertEdgesClear(l: GraphLayout) {
  const byId = new Map(l.nodes.map((n) => [n.id, n]));
  const near = (a: number, b: number) => Math.abs(a - b) <= 0.1;
  for (const e of l.edges) {
    const s = byId.get(e.from)!, t = byId.get(e.to)!;
    const first = e.points[0], last = e.points[e.points.length - 1];
    assert.ok(e.points.length >= 2, `${e.from} → ${e.to} routed`);
    assert.ok(near(first.x, s.x + s.width) && first.y >= s.y && first.y <= s.y + s.height, `${e.from} → ${e.to} leaves its source's east side`);
    assert.ok(near(last.x, t.x) && last.y >= t.y && last.y <= t.y + t.height, `${e.from} → ${e.to} enters its target's west side`);
    for (let i = 1; i < e.points.length; i++) {
      const a = e.points[i - 1], b = e.points[i];
      assert.ok(b.x >= a.x, `${e.from} → ${e.to} runs left to right`);
      for (const n of l.nodes) {
        if (n.id === e.from || n.id === e.to || Math.max(a.x, b.x) <= n.x || Math.min(a.x, b.x) >= n.x + n.width) continue;
        for (let k = 1; k < 20; k++) {
          const x = a.x + ((b.x - a.x) * k) / 20, y = a.y + ((b.y - a.y) * k) / 20;
          assert.ok(!(x > n.x + 0.5 && x < n.x + n.width - 0.5 && y > n.y + 0.5 && y < n.y + n.height - 0.5), `${e.from} → ${e.to} crosses ${n.id}`);
        }
      }
    }
  }
}

test('300 queues: laid out by kind columns without ELK, no overlaps, edges side to side and clear of nodes', async () => {
  const g = syntheticGraph(300);
  assert.ok(g.nodes.length > LARGE_GRAPH);
  const l = await layoutGraph(g);
  assert.ok(!Object.keys(require.cache).some((f) => f.includes('elk.bundled')), 'ELK not loaded for a large graph');
  assert.equal(l.nodes.length, g.nodes.length);
  assert.equal(l.edges.length, g.edges.length);
  // Each component reads left to right: tasks, route rules, exchanges, bindings, queues, workers.
  const byId = new Map(l.nodes.map((n) => [n.id, n]));
  for (const e of l.edges) assert.ok(byId.get(e.from)!.x + byId.get(e.from)!.width < byId.get(e.to)!.x, `${e.from} left of ${e.to}`);
  for (const n of l.nodes) assert.ok(n.x >= 16 && n.y >= 16 && n.x + n.width <= l.width - 16 && n.y + n.height <= l.height - 16, `${n.id} inside the padding`);
  assertNoOverlap(l);
  assertEdgesClear(l);
  // A task and its own route rule line up: the edge between them is straight.
  const t = l.edges.find((e) => e.from === 'task:proj.domain3.tasks.handle_event_33')!;
  assert.equal(new Set(t.points.map((p) => p.y)).size, 1);
  // Deterministic: the same graph, the same picture (live updates do not reshuffle it).
  const strip = ({ ms: _ms, ...rest }: GraphLayout) => rest;
  assert.deepEqual(strip(await layoutGraph(g)), strip(l));
});

test('long edges bend through the columns they cross; crossings removed where the order allows', async () => {
  // Two exchanges whose bindings and queues come interleaved in model order (the sweeps untangle them; a queue
  // of x that wy consumes too makes it one component), one
  // task straight to its exchange (no rule: crosses the route column), an error task with a rule and no
  // exchange, a worker of no queue.
  const nodes: RenderGraph['nodes'] = [];
  const edges: RenderGraph['edges'] = [];
  const add = (id: string, kind: NodeKind) => nodes.push({ id, kind, label: id.split(':')[1] });
  add('task:a', 'task'); add('task:b', 'task'); add('task:direct', 'task'); add('task:broken', 'task');
  add('route:a', 'route'); add('route:b', 'route'); add('route:broken', 'route');
  add('exchange:x', 'exchange'); add('exchange:y', 'exchange');
  edges.push({ from: 'task:a', to: 'route:a' }, { from: 'task:b', to: 'route:b' }, { from: 'route:a', to: 'exchange:x' }, { from: 'route:b', to: 'exchange:y' });
  edges.push({ from: 'task:direct', to: 'exchange:y' }, { from: 'task:broken', to: 'route:broken' });
  for (let i = 0; i < 8; i++) {
    const ex = i % 2 ? 'y' : 'x';
    add(`binding:${ex}${i}`, 'binding'); add(`queue:q${i}`, 'queue');
    edges.push({ from: `exchange:${ex}`, to: `binding:${ex}${i}` }, { from: `binding:${ex}${i}`, to: `queue:q${i}` });
  }
  add('worker:wx', 'worker'); add('worker:wy', 'worker'); add('worker:idle', 'worker');
  for (let i = 0; i < 8; i++) edges.push({ from: `queue:q${i}`, to: `worker:w${i % 2 ? 'y' : 'x'}` });
  edges.push({ from: 'queue:q0', to: 'worker:wy' }); // one component
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const sized: ColumnNode[] = nodes.map((n) => ({ kind: n.kind, width: 80, height: 28 }));
  const l = columnLayout(sized, edges.map((e) => [index.get(e.from)!, index.get(e.to)!] as const), SPACING)!;
  assert.ok(l);
  const laid: GraphLayout = {
    width: l.width, height: l.height, ms: 0,
    nodes: nodes.map((n, i) => ({ ...n, ...l.nodes[i], ...sized[i] })),
    edges: edges.map((e, i) => ({ ...e, points: l.edges[i] })),
  };
  assertNoOverlap(laid);
  assertEdgesClear(laid);
  // The direct edge passes the route column with two bends at its sides, horizontally.
  const direct = laid.edges.find((e) => e.from === 'task:direct')!;
  assert.equal(direct.points.length, 4);
  assert.equal(direct.points[1].y, direct.points[2].y);
  // No crossings: x's bindings, queues and worker above (or below) all of y's.
  const y = (id: string) => laid.nodes.find((n) => n.id === id)!.y;
  for (const kind of ['binding', 'queue']) {
    const xs = [0, 2, 4, 6].map((i) => y(`${kind}:${kind === 'binding' ? 'x' : 'q'}${i}`)), ys = [1, 3, 5, 7].map((i) => y(`${kind}:${kind === 'binding' ? 'y' : 'q'}${i}`));
    assert.ok(Math.max(...xs) < Math.min(...ys) || Math.max(...ys) < Math.min(...xs), `${kind}s of x and y apart`);
  }
  // Columns by kind; the idle worker and the broken task are components of their own, packed alongside.
  for (let k = 1; k < ORDER.length; k++) {
    const prev = laid.nodes.filter((n) => n.kind === ORDER[k - 1] && n.id !== 'worker:idle' && !n.id.includes('broken'));
    const next = laid.nodes.filter((n) => n.kind === ORDER[k] && n.id !== 'worker:idle' && !n.id.includes('broken'));
    assert.ok(Math.max(...prev.map((n) => n.x)) < Math.min(...next.map((n) => n.x)), `${ORDER[k - 1]} before ${ORDER[k]}`);
  }
});

test('a graph that is not layered by kind is left to ELK', () => {
  const sized: ColumnNode[] = [{ kind: 'queue', width: 80, height: 28 }, { kind: 'exchange', width: 80, height: 28 }];
  assert.equal(columnLayout(sized, [[0, 1]], SPACING), undefined, 'queue → exchange points left');
  assert.equal(columnLayout(sized, [[0, 0]], SPACING), undefined, 'self loop');
  const l = columnLayout(sized, [], SPACING)!;
  assert.equal(l.nodes.length, 2);
  assert.ok(l.width > 80 && l.height > 28);
});
