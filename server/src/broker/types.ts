// Shared shapes of the broker operations (peek, publish, purge, declare) for both broker kinds.

import type { CeleryTaskRequest, DecodedCeleryMessage } from './celeryMessage';

export interface OperationOptions {
  /** Deadline for connecting and for the whole operation, default 5000 ms. */
  timeoutMs?: number;
  /** RabbitMQ management API base URL override (setting). */
  managementUrl?: string;
}

export interface PeekResult {
  queue: string;
  /** Decoded messages in delivery order (the next one to be consumed first). */
  messages: DecodedCeleryMessage[];
  /** Ready messages before / after peeking. Equal unless something else published or consumed meanwhile. */
  countBefore: number;
  countAfter: number;
  /** Notes worth showing, e.g. "peeking marks messages redelivered". */
  notes: string[];
}

export interface PublishRequest extends CeleryTaskRequest {
  /** '' = default exchange (routing key = queue name). */
  exchange: string;
  routingKey: string;
  /** Needed on Redis, where exchange types are not stored (fanout = PUB/SUB, topic = regex rows). */
  exchangeType?: string;
}

export interface PublishResult {
  id: string;
  exchange: string;
  routingKey: string;
  /** False when the broker reported the message unroutable (RabbitMQ basic.return / Redis: no binding matched). */
  routed: boolean;
  /** Queues it landed in, when known (Redis, or RabbitMQ default exchange). */
  queues: string[];
  /** Human-readable summary. */
  message: string;
}

export interface PlanExchange {
  name: string;
  type: string;
  durable?: boolean;
  autoDelete?: boolean;
  arguments?: Record<string, unknown>;
}
export interface PlanQueue {
  name: string;
  durable?: boolean;
  autoDelete?: boolean;
  exclusive?: boolean;
  arguments?: Record<string, unknown>;
}
export interface PlanBinding {
  queue: string;
  exchange: string;
  routingKey: string;
  arguments?: Record<string, unknown>;
}
export interface DeclarePlan {
  exchanges: PlanExchange[];
  queues: PlanQueue[];
  bindings: PlanBinding[];
}

export type DeclareStatus = 'created' | 'exists' | 'declared' | 'failed' | 'skipped';
export interface DeclareAction {
  kind: 'exchange' | 'queue' | 'binding';
  name: string;
  status: DeclareStatus;
  detail?: string;
}
export interface DeclareResult {
  actions: DeclareAction[];
  ok: boolean;
}
