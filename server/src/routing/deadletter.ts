/**
 * Where a rejected or expired message goes (RabbitMQ dead-lettering): the queue's
 * `x-dead-letter-exchange` / `x-dead-letter-routing-key` (else the message's own routing key), republished
 * by the broker; `x-message-ttl` expires messages. A dead-letter exchange that does not exist drops it.
 * The same keys may come from a policy (definitions file): the matching policy with the highest priority
 * applies; queue arguments win over it for the exchange and key, the lower value wins for TTL and expiry
 * (RabbitMQ docs, "Dead Letter Exchanges" / "Time-To-Live and Expiration").
 */
import type { Loc } from '../model/types';
import type { DeployedPolicy, DeployedTopology, RoutingConfig } from './types';
import { expandQueues, lookupQueue } from './queues';
import { amqpRoute, workerBroker, celeryHeaders, safeMatch } from './amqp';

export interface DeadLetterRoute {
  queue: string;
  exchange: string;
  /** The key it is republished with; null = the message's original routing key. */
  routingKey: string | null;
  deliveredTo: string[];
  /** Nothing receives it (no binding, or the exchange does not exist). */
  dropped: boolean;
  error: string | null;
  ttlMs?: number;
  expiresMs?: number;
  /** The policy that set (part of) it, when one applies. */
  policy?: { name: string; loc?: Loc };
}

export function deadLetterRoute(config: RoutingConfig, queueName: string, originalKey: string, task = ''): DeadLetterRoute | undefined {
  const eq = expandQueues(config);
  const q = lookupQueue(eq, queueName);
  const name = q?.name ?? queueName;
  // a queue the broker already has keeps the arguments it was created with
  const args = config.deployed?.queues.find((d) => d.name === name)?.arguments ?? q?.queueArguments ?? {};
  const pol = queuePolicy(config.deployed, name, typeof args['x-queue-type'] === 'string' ? args['x-queue-type'] : 'classic');
  const p = pol?.definition ?? {};
  const dlx = str(args['x-dead-letter-exchange']) ?? str(p['dead-letter-exchange']);
  if (dlx === undefined) return undefined;
  const dlk = str(args['x-dead-letter-routing-key']) ?? str(p['dead-letter-routing-key']) ?? null;
  const key = dlk ?? originalKey;
  const b = workerBroker(eq, config.deployed);
  const exists = dlx === '' || b.exchanges.has(dlx);
  const d = exists ? amqpRoute(b, dlx, key, celeryHeaders(task)) : { queues: [], error: null };
  return {
    queue: q?.display ?? queueName, exchange: dlx, routingKey: dlk, deliveredTo: d.queues,
    dropped: !d.queues.length, error: exists ? d.error : `dead-letter exchange '${dlx}' is not declared: RabbitMQ drops dead-lettered messages silently`,
    ttlMs: lower(num(args['x-message-ttl']), num(p['message-ttl'])),
    expiresMs: lower(num(args['x-expires']), num(p['expires'])),
    policy: pol ? { name: pol.name, loc: pol.loc } : undefined,
  };
}

/** The policy RabbitMQ applies to a queue: matching pattern and target, highest priority. */
function queuePolicy(deployed: DeployedTopology | undefined, queue: string, type: string): DeployedPolicy | undefined {
  const fits = (p: DeployedPolicy) => p.applyTo === 'queues' || p.applyTo === 'all' || p.applyTo === `${type}_queues`;
  return (deployed?.queuePolicies ?? []).filter((p) => fits(p) && safeMatch(p.pattern, queue)).sort((a, b) => b.priority - a.priority)[0];
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const lower = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
