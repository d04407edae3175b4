// One entry point per operation for either broker kind (what the explorer's context menu and the CLI call).

import { declareRabbit, peekRabbit, publishRabbit, purgeRabbit } from './rabbitmqAmqp';
import { declareRedis, peekRedis, publishRedis, purgeRedis } from './redis';
import type { DeclarePlan, DeclareResult, OperationOptions, PeekResult, PublishRequest, PublishResult } from './types';
import { BrokerUrl, parseBrokerUrl } from './url';

function parse(url: string | BrokerUrl): BrokerUrl {
  return typeof url === 'string' ? parseBrokerUrl(url) : url;
}

/** Look at up to `count` messages of a queue without consuming them. */
export function peekMessages(url: string | BrokerUrl, queue: string, count = 10, opts: OperationOptions = {}): Promise<PeekResult> {
  const u = parse(url);
  return u.kind === 'redis' ? peekRedis(u, queue, count, opts) : peekRabbit(u, queue, count, opts);
}

/** Publish a Celery protocol-2 task message; `routed: false` when nothing took it. */
export function publishTask(url: string | BrokerUrl, req: PublishRequest, opts: OperationOptions = {}): Promise<PublishResult> {
  const u = parse(url);
  return u.kind === 'redis' ? publishRedis(u, req, opts) : publishRabbit(u, req, opts);
}

/** Remove all ready messages; returns how many. */
export function purgeQueue(url: string | BrokerUrl, queue: string, opts: OperationOptions = {}): Promise<number> {
  const u = parse(url);
  return u.kind === 'redis' ? purgeRedis(u, queue, opts) : purgeRabbit(u, queue, opts);
}

/** Declare exchanges, queues and bindings (RabbitMQ) / binding rows (Redis). */
export function declarePlan(url: string | BrokerUrl, plan: DeclarePlan, opts: OperationOptions = {}): Promise<DeclareResult> {
  const u = parse(url);
  return u.kind === 'redis' ? declareRedis(u, plan, opts) : declareRabbit(u, plan, opts);
}
