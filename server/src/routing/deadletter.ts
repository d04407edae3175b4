/**
 * Where a rejected or expired message goes (RabbitMQ dead-lettering): the queue's
 * `x-dead-letter-exchange` / `x-dead-letter-routing-key` (else the message's own routing key), republished
 * by the broker; `x-message-ttl` expires messages. A dead-letter exchange that does not exist drops it.
 */
import type { RoutingConfig } from './types';
import { expandQueues, lookupQueue } from './queues';
import { amqpRoute, workerBroker, celeryHeaders } from './amqp';

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
}

export function deadLetterRoute(config: RoutingConfig, queueName: string, originalKey: string, task = ''): DeadLetterRoute | undefined {
  const eq = expandQueues(config);
  const q = lookupQueue(eq, queueName);
  const args = q?.queueArguments ?? {};
  const dlx = args['x-dead-letter-exchange'];
  if (typeof dlx !== 'string') return undefined;
  const dlk = typeof args['x-dead-letter-routing-key'] === 'string' ? (args['x-dead-letter-routing-key'] as string) : null;
  const key = dlk ?? originalKey;
  const b = workerBroker(eq);
  const exists = dlx === '' || b.exchanges.has(dlx);
  const d = exists ? amqpRoute(b, dlx, key, celeryHeaders(task)) : { queues: [], error: null };
  return {
    queue: q!.display, exchange: dlx, routingKey: dlk, deliveredTo: d.queues,
    dropped: !d.queues.length, error: exists ? d.error : `dead-letter exchange '${dlx}' is not declared: RabbitMQ drops dead-lettered messages silently`,
    ttlMs: typeof args['x-message-ttl'] === 'number' ? (args['x-message-ttl'] as number) : undefined,
    expiresMs: typeof args['x-expires'] === 'number' ? (args['x-expires'] as number) : undefined,
  };
}
