/**
 * Checks added for the editor: transport differences (Redis, SQS), route patterns and send_task names that
 * match no task. Same contract as rules.ts.
 */
import type { RoutingDiagnostic } from './types';
import type { DiagContext } from './context';
import { closest } from '../names';
import { keyMatches } from '../routekeys';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

/** Priorities on virtual transports: inverted sub-lists on Redis, nothing on SQS. */
const transportPriority: Rule = (ctx) => {
  const t = ctx.app?.config.transport;
  if (t !== 'redis' && t !== 'sqs') return [];
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const r = s.route;
    if (r.error || r.priority === null || r.priority === undefined) continue;
    const fromCallOrRoute = r.decidedBy.priority?.by === 'apply_async' || r.decidedBy.priority?.by === 'route' || r.decidedBy.priority?.by === 'task-attribute';
    if (!fromCallOrRoute) continue;
    out.push(t === 'redis'
      ? { code: 'transport-priority', severity: 'information', loc: s.loc, message: `On Redis, priority ${r.priority} is emulated: messages go to one of four lists (0-2, 3-5, 6-8, 9 with the default priority_steps) and lower numbers are consumed first — the reverse of RabbitMQ, where higher is more urgent.` }
      : { code: 'transport-priority', severity: 'information', loc: s.loc, message: `The SQS transport has no message priorities: priority ${r.priority} is ignored. Use separate queues for urgent work.` });
  }
  return out;
};

/** Exchange types on SQS: emulated per client (topic / fanout), unsupported (headers). */
const sqsExchanges: Rule = (ctx) => {
  if (ctx.app?.config.transport !== 'sqs') return [];
  const out: RoutingDiagnostic[] = [];
  for (const q of ctx.queues?.list ?? []) {
    const type = q.exchange?.type;
    if (!q.loc || !type || type === 'direct') continue;
    out.push(type === 'headers'
      ? { code: 'transport-unsupported', severity: 'error', loc: q.loc, message: `Headers exchanges are not supported by the SQS transport (kombu raises KeyError: 'headers').`, data: { queue: q.display } }
      : { code: 'transport-difference', severity: 'information', loc: q.loc, message: `On SQS, ${type} exchanges exist only in each client's memory: a producer routes through the bindings it declared itself, and nothing is broadcast broker-side.`, data: { queue: q.display } });
  }
  return out;
};

/** Glob / regex route keys that match no task defined in the workspace. */
const patternsMatchingNothing: Rule = (ctx) => {
  const names = ctx.project.tasks.map((t) => t.name);
  if (!names.length) return [];
  const out: RoutingDiagnostic[] = [];
  for (const r of ctx.app?.config.routes ?? []) {
    if (r.kind !== 'map') continue;
    for (const e of r.entries) {
      if (e.key.kind === 'exact' || !e.loc || names.some((n) => keyMatches(e.key, n))) continue;
      const text = e.key.kind === 'glob' ? e.key.glob : e.key.pattern;
      out.push({ code: 'route-matches-no-task', severity: 'information', loc: e.loc, message: `The pattern '${text}' matches no task defined in the workspace, so this route never applies to them (tasks of other projects sent by name may still match).` });
    }
  }
  return out;
};

/** send_task('name') with a name no task in the workspace has. */
const unknownSendTask: Rule = (ctx) => {
  const names = ctx.project.tasks.map((t) => t.name);
  if (!names.length) return [];
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    if (s.kind !== 'call' || s.call?.via !== 'send_task' || !s.call.taskName || ctx.project.task(s.call.taskName)) continue;
    const c = closest(s.call.taskName, names);
    if (!c) continue; // likely a task of another service: only flag near-misses
    out.push({ code: 'unknown-task-name', severity: 'warning', loc: s.loc, message: `No task named '${s.call.taskName}' is defined in the workspace — did you mean '${c}'? A worker that does not know the name rejects the message (KeyError: unregistered task).`, data: { task: s.call.taskName, suggestion: c } });
  }
  return out;
};

export const EXTRA_RULES: Rule[] = [transportPriority, sqsExchanges, patternsMatchingNothing, unknownSendTask];
