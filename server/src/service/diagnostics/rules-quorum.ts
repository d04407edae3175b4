/**
 * Celery 5.5 only: where quorum queues and native delayed delivery change the route (celery/app/base.py
 * send_task, celery/utils/quorum_queues.py, kombu/transport/native_delayed_delivery.py of 5.5). Same contract
 * as rules.ts. Nothing here fires for an older Celery: the engine then sets no `delayed` on a route.
 */
import type { RoutingDiagnostic } from './types';
import type { DiagContext } from './context';
import { celery55 } from '../../routing';
import { queueDeclareArgs } from '../../routing/queues';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

/** Sends whose route Celery 5.5 changes because a quorum queue exists. */
const delayedSends: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const d = s.route.delayed;
    if (!d) continue;
    if (d.mode === 'rerouted') {
      const later = d.deliveredAfterDelay ?? [];
      out.push({
        code: 'quorum-delayed-delivery', severity: 'information', loc: s.loc, data: { task: s.route.task, queue: d.forQueue },
        message: `Celery 5.5: because queue '${d.quorumQueue}' is a quorum queue, this ${d.delaySeconds} s delay uses native delayed delivery: the message is published to the 'celery_delayed_27' exchange with routing key '${s.route.routingKey}', waits in ${s.route.deliveredTo.join(', ') || 'no queue'} and then ${later.length ? `lands in ${later.join(', ')}` : 'is dropped (no queue bound to celery_delayed_delivery matches)'} — only if a worker of this app (which declares the celery_delayed_* exchanges and queues at start-up) has run on the vhost.`,
      });
    } else if (d.mode === 'direct-warning' && s.kind === 'call' && (s.call?.options.countdown || s.call?.options.eta)) {
      out.push({
        code: 'quorum-direct-countdown', severity: 'warning', loc: s.loc, data: { task: s.route.task, queue: d.forQueue },
        message: `Celery 5.5: queue '${d.forQueue}' uses a direct exchange, which native delayed delivery does not support: Celery logs a warning and sends the message at once; the worker holds it until its ETA (with quorum queue '${d.quorumQueue}' in use this can block the worker). Use a topic exchange for queues that get countdown/ETA tasks.`,
      });
    } else if (s.route.error && /^KeyError: 'queue'|^AttributeError/.test(s.route.error)) {
      out.push({
        code: 'quorum-route-without-queue', severity: 'error', loc: s.loc, data: { task: s.route.task },
        message: `Celery 5.5: with quorum queue '${d.quorumQueue}' in use, send_task reads the queue's exchange type for every send; this route names no queue (or a queue without an exchange), so the send raises ${s.route.error}. Celery 5.2 sent it. Add a 'queue' to the route.`,
      });
    }
  }
  return out;
};

/** task_queue_max_priority on a quorum default queue: Celery 5.5 still adds x-max-priority, RabbitMQ 3.x refuses it. */
const quorumPriority: Rule = (ctx) => {
  const a = ctx.app;
  if (!a || !ctx.queues || !celery55(a.config) || a.config.transport === 'redis') return [];
  const out: RoutingDiagnostic[] = [];
  for (const q of ctx.queues.list) {
    const args = queueDeclareArgs(q);
    if (args['x-queue-type'] !== 'quorum' || !('x-max-priority' in args)) continue;
    const loc = q.loc ?? a.settings.get('task_queue_max_priority').fact?.loc ?? a.settings.get('task_default_queue_type').fact?.loc;
    if (!loc) continue;
    out.push({
      code: 'quorum-max-priority', severity: 'error', loc, data: { queue: q.display },
      message: `Queue '${q.display}' is a quorum queue with x-max-priority ${String(args['x-max-priority'])}${q.loc ? '' : ' (task_queue_max_priority: Celery 5.5 adds it to the quorum default queue too)'}: RabbitMQ 3.x refuses the declaration (406 PRECONDITION_FAILED - invalid arg 'x-max-priority'), so the worker cannot consume it and every send to it fails. Quorum queues have no x-max-priority (RabbitMQ 4 gives them two priority levels).`,
    });
  }
  return out;
};

export const QUORUM_RULES: Rule[] = [delayedSends, quorumPriority];
