// The routing graph (graph.ts) and its drawing (graph-render.ts) without a browser: the chain
// task → route rule → exchange → binding → queue → worker on the examples, problem marks, and markup that
// works under a strict CSP. The same pictures in real Chromium: render.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { openProject, type Project } from '../../../server/src/service/project';
import { buildGraph, graphToMermaid, graphToDot, type Graph } from '../../../server/src/service/graph';
import { layoutGraph, renderHtml, renderSvg, toRenderGraph, pageData, scriptJson } from '../../../server/src/service/graph-render';
import { graphResult } from '../../../server/src/lsp/graph';
import { syntheticGraph } from './synthetic';
import { writeProject } from '../temp-project';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const cache = new Map<string, Promise<Project>>();
const open = (name: string) => {
  if (!cache.has(name)) cache.set(name, openProject(path.join(EXAMPLES, name)));
  return cache.get(name)!;
};

/** Node ids on one path from `from` to `to` (BFS), or undefined. */
function pathBetween(g: Pick<Graph, 'edges'>, from: string, to: string): string[] | undefined {
  const prev = new Map<string, string>([[from, '']]);
  const queue = [from];
  while (queue.length) {
    const id = queue.shift()!;
    if (id === to) {
      const out = [id];
      for (let p = prev.get(id)!; p; p = prev.get(p)!) out.unshift(p);
      return out;
    }
    for (const e of g.edges) if (e.from === id && !prev.has(e.to)) { prev.set(e.to, id); queue.push(e.to); }
  }
  return undefined;
}

const kindOf = (g: Graph, id: string) => g.nodes.find((n) => n.id === id)?.kind;

test('events-app: task → route rule → exchange → binding → queue → worker', async () => {
  const g = buildGraph(await open('events-app'));
  const p = pathBetween(g, 'task:events.tasks.send_sms', 'worker:notify@%h');
  assert.ok(p, 'a path from send_sms to the notify worker');
  assert.deepEqual(p.map((id) => kindOf(g, id)), ['task', 'route', 'exchange', 'binding', 'queue', 'worker']);
  assert.deepEqual(p.slice(1, 5), ['route:0:5', 'exchange:notifications', 'binding:notifications|notify.sms.*|sms_notifications', 'queue:sms_notifications']);
  const rule = g.nodes.find((n) => n.id === 'route:0:5')!;
  assert.equal(rule.label, 'events.tasks.send_sms');
  assert.ok(rule.loc?.file.endsWith('celeryconfig.py'), 'the rule reveals its task_routes entry');
  // No route rule: straight to the exchange (task_default_*, or the task's own options).
  assert.ok(g.edges.some((e) => e.from === 'task:events.tasks.record_audit_entry' && e.to === 'exchange:events'));
  // A topic message lands in every queue whose binding takes its key.
  const placed = g.edges.filter((e) => e.from === 'exchange:events').map((e) => e.to);
  assert.ok(placed.includes('binding:events|order.#|order_events') && placed.includes('binding:events|#|all_events'));
  // Every kind is there; declared bindings and exchanges appear even when nothing routes through them.
  assert.deepEqual([...new Set(g.nodes.map((n) => n.kind))].sort(), ['binding', 'exchange', 'queue', 'route', 'task', 'worker']);
  assert.ok(g.nodes.some((n) => n.id === 'binding:bulk|bulk|bulk'));
});

test('events-app: dropped messages mark their tasks', async () => {
  const g = buildGraph(await open('events-app'));
  const dropped = g.nodes.filter((n) => n.problem === 'dropped').map((n) => n.id).sort();
  assert.deepEqual(dropped, ['task:events.tasks.reindex_products', 'task:events.tasks.send_push']);
  assert.match(g.nodes.find((n) => n.id === 'task:events.tasks.send_push')!.detail ?? '', /drop/);
});

test('django-shop: unreachable queue and its tasks; implicit default-exchange bindings', async () => {
  const g = buildGraph(await open('django-shop'));
  const unreachable = g.nodes.filter((n) => n.problem === 'unreachable').map((n) => n.id).sort();
  assert.deepEqual(unreachable, ['queue:reports', 'task:reports.tasks.export_orders_csv', 'task:reports.tasks.generate_sales_report']);
  const p = pathBetween(g, 'task:orders.tasks.capture_payment', 'queue:payments');
  assert.deepEqual(p, ['task:orders.tasks.capture_payment', 'route:0:0', 'exchange:', 'binding:|payments|payments', 'queue:payments']);
  assert.equal(g.nodes.find((n) => n.id === 'binding:|payments|payments')!.sub, 'implicit');
  assert.ok(g.edges.some((e) => e.from === 'queue:payments' && e.to === 'worker:payments@%h'));
});

test('mermaid and dot know every kind', async () => {
  const g = buildGraph(await open('events-app'));
  const m = graphToMermaid(g);
  assert.match(m, /^flowchart LR/);
  assert.equal(m.split('\n').length, 1 + g.nodes.length + g.edges.length);
  assert.equal(new Set(m.split('\n').slice(1, 1 + g.nodes.length).map((l) => l.trim().split(/[^A-Za-z0-9_]/)[0])).size, g.nodes.length, 'distinct Mermaid ids');
  assert.match(graphToDot(g), /shape=note/);
});

test('the page: strict CSP, no inline style attributes, data escaped', async () => {
  const p = await open('events-app');
  const rg = toRenderGraph(buildGraph(p), p.root);
  assert.ok(rg.nodes.find((n) => n.id === 'task:events.tasks.send_sms')!.where!.startsWith('events/tasks.py:'));
  const l = await layoutGraph(rg);
  assert.equal(l.nodes.length, rg.nodes.length);
  assert.ok(l.edges.every((e) => e.points.length >= 2), 'every edge routed');
  const html = renderHtml(rg, l, { title: 'map', nonce: 'abc123' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-abc123&#39;; script-src &#39;nonce-abc123&#39;/);
  assert.doesNotMatch(html, /\sstyle="/, 'no style attributes (blocked by the CSP)');
  assert.doesNotMatch(html, /\son[a-z]+="/, 'no inline event handlers');
  assert.doesNotMatch(html, /(src|href)="https?:/, 'no remote resources');
  assert.equal((html.match(/<script nonce="abc123">/g) ?? []).length, 1);
  assert.equal((html.match(/<style nonce="abc123">/g) ?? []).length, 2, 'the page and the SVG styles carry the nonce');
  assert.equal(scriptJson({ a: '</script><b>&' }), '{"a":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}');
  assert.deepEqual(JSON.parse(scriptJson(pageData(rg))).nodes.length, rg.nodes.length);
  const svg = renderSvg(l, { depths: { sms_notifications: { ready: 12, unacked: 1 }, bulk: null } });
  assert.match(svg, /<g class="depth"[^>]*><title>12 ready, 1 unacknowledged<\/title>/);
  assert.match(svg, /<g class="depth missing"/);
});

test('a 300-queue topology lays out (sanity bound; the budget is in scripts/bench-graph.mjs)', async () => {
  const g = syntheticGraph(300);
  // CPU time, not wall: a busy machine (tests run two at a time) stretches the latter.
  const timed = async () => {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const l = await layoutGraph(g);
    const c = process.cpuUsage(c0);
    return { l, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
  };
  const first = await timed();
  const second = await timed();
  console.log(`# 300 queues (${g.nodes.length} nodes, ${g.edges.length} edges): first layout ${Math.round(first.wall)} ms (cpu ${Math.round(first.cpu)}), second ${Math.round(second.wall)} ms (cpu ${Math.round(second.cpu)})`);
  const l = first.l;
  assert.equal(l.nodes.length, g.nodes.length);
  assert.ok(l.nodes.every((n) => Number.isFinite(n.x) && Number.isFinite(n.y) && n.width > 0));
  assert.ok(first.cpu < 10_000 && second.cpu < 10_000, `layout took ${Math.round(first.cpu)} / ${Math.round(second.cpu)} ms of CPU`);
});

test('celery/graph answer: LSP locations, flows, the folder with the app', async () => {
  const p = await open('events-app');
  const r = graphResult([{ root: p.root, uri: 'file://' + p.root, project: p, published: new Set(), sent: new Map() }])!;
  assert.equal(r.app, 'events.app:app');
  const t = r.nodes.find((n) => n.id === 'task:events.tasks.send_sms')!;
  assert.match(t.location!.uri, /^file:\/\/\/.*events\/tasks\.py$/);
  assert.equal(typeof t.location!.range.start.line, 'number');
  assert.ok(!('loc' in t));
  assert.deepEqual(r.flows['task:events.tasks.send_sms'], ['task:events.tasks.send_sms', 'route:0:5', 'exchange:notifications', 'binding:notifications|notify.sms.*|sms_notifications', 'queue:sms_notifications', 'worker:notify@%h']);
  assert.equal(graphResult([]), null);
});

test('two worker commands with the same name are two nodes, each with its own edges', async () => {
  const dir = writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\n\n@app.task(queue='a')\ndef ta():\n    pass\n\n@app.task(queue='b')\ndef tb():\n    pass\n",
    'docker-compose.yml': 'services:\n  celery_worker:\n    command: celery -A proj worker -Q a\n',
    'deploy/docker-compose.yml': 'services:\n  celery_worker:\n    command: celery -A proj worker -Q b,only_here\n',
  }, 'cr-graph-');
  const g = buildGraph(await openProject(dir));
  const workers = g.nodes.filter((n) => n.kind === 'worker');
  assert.equal(workers.length, 2);
  assert.deepEqual(workers.map((w) => w.label), ['celery_worker', 'celery_worker']);
  const into = (q: string) => g.edges.filter((e) => e.from === `queue:${q}`).map((e) => e.to);
  assert.equal(into('a').length, 1);
  assert.equal(into('b').length, 1);
  assert.notEqual(into('a')[0], into('b')[0]);
  // a queue only the worker names is still drawn, with its edge
  assert.deepEqual(into('only_here'), into('b'));
  assert.equal(g.nodes.find((n) => n.id === 'queue:only_here')?.sub, 'named only by a worker');
});
