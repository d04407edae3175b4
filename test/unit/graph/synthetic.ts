/**
 * A generated topology of N queues, shaped like a large real app: one task and one route rule per queue,
 * ten queues per topic exchange (one binding each), one worker per fifteen queues, a few problems.
 * Used by the layout test and scripts/bench-graph.mjs.
 */
import type { RenderGraph, RenderNode } from '../../../server/src/service/graph-render';
import type { GraphEdge } from '../../../server/src/service/graph';

export function syntheticGraph(queues: number): RenderGraph {
  const nodes: RenderNode[] = [];
  const edges: GraphEdge[] = [];
  const flows: Record<string, string[]> = {};
  const exchanges = Math.ceil(queues / 10), workers = Math.ceil(queues / 15);
  for (let x = 0; x < exchanges; x++) nodes.push({ id: `exchange:ex${x}`, kind: 'exchange', label: `domain${x}.events`, sub: 'topic', where: `proj/celeryconfig.py:${10 + x}` });
  for (let q = 0; q < queues; q++) {
    const x = q % exchanges, w = q % workers;
    const task = `proj.domain${x}.tasks.handle_event_${q}`;
    nodes.push(
      { id: `task:${task}`, kind: 'task', label: task, sub: `key domain${x}.event${q}`, where: `proj/domain${x}/tasks.py:${q + 1}`, problem: q % 97 === 5 ? 'dropped' : q % 89 === 7 ? 'unknown' : undefined },
      { id: `route:0:${q}`, kind: 'route', label: `proj.domain${x}.tasks.handle_event_${q}`, sub: 'task_routes', where: `proj/celeryconfig.py:${100 + q}` },
      { id: `binding:ex${x}|domain${x}.event${q}|q${q}`, kind: 'binding', label: `domain${x}.event${q}` },
      { id: `queue:q${q}`, kind: 'queue', label: `domain${x}_queue_${q}`, where: `proj/celeryconfig.py:${400 + q}`, problem: q % 50 === 49 ? 'unreachable' : undefined },
    );
    edges.push(
      { from: `task:${task}`, to: `route:0:${q}` },
      { from: `route:0:${q}`, to: `exchange:ex${x}`, label: `domain${x}.event${q}` },
      { from: `exchange:ex${x}`, to: `binding:ex${x}|domain${x}.event${q}|q${q}` },
      { from: `binding:ex${x}|domain${x}.event${q}|q${q}`, to: `queue:q${q}` },
    );
    flows[`task:${task}`] = [`task:${task}`, `route:0:${q}`, `exchange:ex${x}`, `binding:ex${x}|domain${x}.event${q}|q${q}`, `queue:q${q}`];
    if (q % 50 !== 49) {
      edges.push({ from: `queue:q${q}`, to: `worker:w${w}` });
      flows[`task:${task}`].push(`worker:w${w}`);
    }
  }
  for (let w = 0; w < workers; w++) nodes.push({ id: `worker:w${w}`, kind: 'worker', label: `worker${w}@%h`, where: `Procfile:${w + 1}` });
  return { nodes, edges, flows };
}
