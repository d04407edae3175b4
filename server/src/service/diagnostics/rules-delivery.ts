/**
 * What the broker does after Celery publishes: copies to several queues (each consuming worker runs the
 * task — celery #2508), Broadcast copies and Redis pub/sub loss (#3740, #4582, #3763), dead letters.
 */
import type { RoutingDiagnostic } from './types';
import type { DiagContext } from './context';
import { consumed } from './context';
import { deadLetterRoute } from '../../routing';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

/** A message that lands in several consumed queues runs once per consuming worker. */
const duplicates: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  const q = (name: string) => ctx.queues?.list.find((x) => x.display === name);
  const taskSets = new Map(ctx.sends.filter((s) => s.kind === 'task').map((s) => [s.route.task, s.route.deliveredTo.join(',')]));
  for (const s of ctx.sends) {
    const r = s.route;
    if (r.error || r.deliveredTo.length < 2) continue;
    // A call that lands where its task's own route does repeats the task's diagnostic: say it once.
    if (s.kind === 'call' && taskSets.get(r.task) === r.deliveredTo.join(',')) continue;
    const exType = r.exchange ? ctx.queues?.list.flatMap((x) => [x.exchange, ...x.bindings.map((b) => b.exchange)]).find((e) => e?.name === r.exchange)?.type : 'direct';
    if (exType === 'fanout' || r.deliveredTo.some((n) => q(n)?.broadcast)) continue; // copies are the point there
    const live = r.deliveredTo.filter((n) => consumed(ctx, n));
    if (live.length < 2) continue;
    out.push({
      code: 'duplicate-delivery', severity: 'warning', loc: s.loc,
      message: `${s.kind === 'task' ? `Task '${r.task}'` : 'This call'} is published to '${r.exchange}' with key '${r.routingKey}', which ${live.map((n) => `'${n}'`).join(' and ')} are all bound for: each gets a copy and the task runs once per consuming worker (celery #2508). Narrow the bindings or route to one queue.`,
      related: live.flatMap((n) => (q(n)?.loc ? [{ loc: q(n)!.loc!, message: `queue '${n}'` }] : [])),
    });
  }
  return out;
};

/** Broadcast queues: a copy per worker; on Redis fanout is PUB/SUB and nothing is stored. */
const broadcast: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const bq of ctx.queues?.list.filter((x) => x.broadcast) ?? []) {
    if (!bq.loc) continue;
    const consumers = ctx.project.workers.filter((w) => !w.queues || w.queues.includes(bq.display));
    if (ctx.app?.config.transport === 'redis') {
      out.push({ code: 'broadcast-redis-pubsub', severity: 'warning', loc: bq.loc,
        message: `Broadcast '${bq.display}' on Redis is PUB/SUB: a message sent while no worker listens is lost, and workers that restart miss what was sent meanwhile (celery #3740, #4582).` });
    } else {
      out.push({ code: 'broadcast-copies', severity: 'information', loc: bq.loc,
        message: `Broadcast '${bq.display}': every worker that consumes it gets its own auto-deleted queue bcast.<uuid> and its own copy${consumers.length ? ` (${consumers.length} known worker${consumers.length > 1 ? 's' : ''}: ${consumers.map((w) => w.name).slice(0, 4).join(', ')})` : ''}. Messages sent while no worker runs are dropped.` });
    }
  }
  return out;
};

/** Dead-letter exchanges that are undeclared or route nowhere. */
const deadLetters: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  if (!ctx.app) return out;
  for (const q of ctx.queues?.list ?? []) {
    if (!q.loc) continue;
    const dl = deadLetterRoute(ctx.app.config, q.display, q.routingKey ?? q.name);
    if (!dl) continue;
    if (dl.error || dl.dropped) {
      out.push({ code: 'dead-letter-nowhere', severity: 'warning', loc: q.loc,
        message: `Messages rejected${dl.ttlMs !== undefined ? ` or expired (x-message-ttl ${dl.ttlMs} ms)` : ''} from '${q.display}' are dead-lettered to exchange '${dl.exchange}'${dl.routingKey !== null ? ` with key '${dl.routingKey}'` : ' with their own routing key'}, ${dl.error ?? 'which no queue is bound for: they are lost'}.${dl.policy ? ` (Set by the RabbitMQ policy '${dl.policy.name}'.)` : ''}`,
        related: dl.policy?.loc ? [{ loc: dl.policy.loc, message: `policy '${dl.policy.name}' sets the dead-letter exchange` }] : undefined });
    }
  }
  return out;
};

export const DELIVERY_RULES: Rule[] = [duplicates, broadcast, deadLetters];
