/** A route as text: the one rendering shared by the CLI trace, hovers and the "where does this task go" view. */
import type { Route } from './project';
import type { Decider } from '../routing/types';
import { relative } from 'node:path';

export function deciderText(d: Decider | undefined, root?: string): string {
  if (!d) return '';
  switch (d.by) {
    case 'apply_async': return 'apply_async option';
    case 'task-attribute': return 'task attribute (decorator)';
    case 'task_default_priority': return 'task_default_priority';
    case 'route': return `task_routes[${d.router}]${d.key ? ` '${d.key}'` : d.entry !== undefined ? ` entry ${d.entry}` : ''}${d.loc ? ` (${where(d.loc, root)})` : ''}`;
    case 'default': return `default (${d.setting})`;
    case 'queue': return `queue '${d.queue}': ${d.detail}`;
    case 'celery': return d.detail;
  }
}

export function where(loc: { file: string; range: { start: { line: number } } }, root?: string): string {
  const f = root ? relative(root, loc.file) || loc.file : loc.file;
  return `${f}:${loc.range.start.line + 1}`;
}

const show = (v: string | number | null) => (v === null ? 'None' : typeof v === 'string' ? `'${v}'` : String(v));

/** One line: `→ images · direct · consumed by media (docker-compose.yml)` or the problem. */
export function summary(r: Route, root?: string, workersKnown = true): string {
  if (r.error) return `✖ ${r.error}`;
  if (r.brokerError) return `✖ RabbitMQ: ${r.brokerError}`;
  if (r.dropped) return `✖ dropped: no binding for ${show(r.routingKey)} on exchange ${show(r.exchange)}`;
  const later = r.delayed?.mode === 'rerouted' ? r.delayed.deliveredAfterDelay ?? [] : null;
  const qs = later ? `${later.join(', ') || '(dropped)'} after ${r.delayed!.delaySeconds} s via celery_delayed_27` : r.deliveredTo.length ? r.deliveredTo.join(', ') : r.queue ?? '?';
  const who = [...new Set(r.consumers.map((c) => `${c.worker.name} (${where(c.worker.loc, root).replace(/:\d+$/, '')})`))];
  const unknown = r.unknowns.length ? ' · ? partly unknown' : '';
  if (!who.length && !workersKnown) return `→ ${qs} · no worker command found in the workspace${unknown}`;
  if (!who.length) return `⚠ ${qs}: no known worker consumes ${r.deliveredTo.length > 1 ? 'these queues' : `'${qs}'`}${unknown}`;
  return `→ ${qs} · consumed by ${who.join(', ')}${unknown}`;
}

export function traceLines(r: Route, root?: string): string[] {
  const out: string[] = [];
  out.push(`task ${r.task}${r.definition ? ` (${where(r.definition.loc, root)})` : ' (not defined in the workspace: routed with no task options, like Celery does for an unknown name)'}`);
  if (r.app) out.push(`app ${r.app}`);
  out.push(`Celery ${r.celery.version}${r.celery.assumed ? ' (assumed: no version pinned in requirements or lock files)' : r.celery.loc ? ` (${where(r.celery.loc, root)})` : ''}`);
  r.steps.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  out.push('result:');
  out.push(`  queue        ${r.queue ?? '-'}${r.decidedBy.queue ? `   ← ${deciderText(r.decidedBy.queue, root)}` : ''}`);
  out.push(`  exchange     ${r.exchange === null ? '-' : r.exchange === '' ? "'' (default exchange)" : r.exchange}${r.decidedBy.exchange ? `   ← ${deciderText(r.decidedBy.exchange, root)}` : ''}`);
  out.push(`  routing key  ${r.routingKey ?? '-'}${r.decidedBy.routing_key ? `   ← ${deciderText(r.decidedBy.routing_key, root)}` : ''}`);
  out.push(`  priority     ${r.priority ?? '-'}${r.decidedBy.priority ? `   ← ${deciderText(r.decidedBy.priority, root)}` : ''}`);
  if (r.error) out.push(`  error        ${r.error}`);
  else {
    if (r.brokerError) out.push(`  RabbitMQ     ${r.brokerError}`);
    else out.push(`  RabbitMQ     ${r.dropped ? 'dropped (no queue bound for this key)' : `delivered to ${r.deliveredTo.join(', ')}`}`);
    if (r.delayed?.mode === 'rerouted') out.push(`  after delay  ${r.delayed.deliveredAfterDelay?.length ? `delivered to ${r.delayed.deliveredAfterDelay.join(', ')}` : 'dropped'} (after ${r.delayed.delaySeconds} s, Celery 5.5 native delayed delivery)`);
    else if (r.delayed?.mode === 'direct-warning') out.push(`  delay        Celery 5.5 warns: direct exchange, no native delayed delivery (the worker holds the message until its ETA)`);
    out.push(`  Redis        ${r.droppedOnRedis ? 'dropped' : r.deliveredToRedis.length ? `delivered to ${r.deliveredToRedis.join(', ')}` : 'nothing stored'}`);
    if (r.deliveredTo.length) {
      const who = r.consumers.map((c) => `${c.worker.name} (${where(c.worker.loc, root)})`);
      out.push(`  consumers    ${who.length ? [...new Set(who)].join(', ') : 'none known — the message waits until a worker consumes the queue'}`);
    }
  }
  for (const u of r.unknowns) out.push(`  ? ${u}`);
  return out;
}
