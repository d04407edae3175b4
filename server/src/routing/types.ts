/**
 * Inputs and outputs of the routing algorithm (the one module that knows Celery's rules).
 * Inputs are built from the model (settings already resolved to their effective values);
 * outputs are what every feature (CLI, hover, code lens, diagnostics) shows.
 */
import type { Loc, Value } from '../model/types';

export type ExchangeType = 'direct' | 'topic' | 'fanout' | 'headers' | string;

export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
  durable?: boolean;
  autoDelete?: boolean;
  arguments?: Record<string, unknown>;
  loc?: Loc;
}

export interface BindingSpec {
  exchange: ExchangeSpec | null;
  routingKey: string | null;
  arguments?: Record<string, unknown>;
  loc?: Loc;
}

/** A kombu Queue as written by the user (before Celery's expansion in `Queues._add`). */
export interface QueueSpec {
  name: string;
  /** Broadcast: the user-visible name (`alias`); `name` is then `bcast.<uuid>`. */
  alias?: string;
  broadcast?: boolean;
  exchange: ExchangeSpec | null;
  routingKey: string | null;
  bindings: BindingSpec[];
  queueArguments?: Record<string, unknown>;
  bindingArguments?: Record<string, unknown>;
  maxPriority?: number | null;
  durable?: boolean;
  autoDelete?: boolean;
  noDeclare?: boolean;
  /** Dict-form queue (`{'name': {'exchange': ..., 'routing_key': ...}}`) → kombu `Queue.from_dict`. */
  fromDict?: boolean;
  /** Dict-form only: `binding_key` (wins over `routing_key` in `Queue.from_dict`, kombu/entity.py:817). */
  bindingKey?: string | null;
  loc?: Loc;
}

/** A route value as written (`{'queue': 'x'}`, `'x'`, `None`, a Queue object...). */
export type RouteValue =
  | { kind: 'options'; options: RouteOptions; loc?: Loc }
  | { kind: 'string'; queue: string; loc?: Loc }
  | { kind: 'none'; loc?: Loc }
  | { kind: 'queue-object'; queue: QueueSpec; loc?: Loc }
  | { kind: 'empty'; loc?: Loc }
  | { kind: 'unknown'; reason: string; loc?: Loc };

/** Options of a route or an apply_async call. `queue` may be a name or a Queue object. */
export interface RouteOptions {
  queue?: string | QueueSpec | null;
  exchange?: string | null;
  routing_key?: string | null;
  priority?: number | null;
  exchange_type?: string | null;
  /** apply_async/send_task `countdown=` (seconds). Celery 5.5 with a quorum queue: native delayed delivery. */
  countdown?: number | null;
  /** apply_async/send_task `eta=` (ISO 8601; naive = UTC). */
  eta?: string | null;
  /** Keys whose value could not be determined (env without override, computed...). */
  unknown?: Partial<Record<'queue' | 'exchange' | 'routing_key' | 'priority' | 'exchange_type' | 'countdown' | 'eta', string>>;
}

export type RouteKey =
  | { kind: 'exact'; name: string }
  | { kind: 'glob'; glob: string }
  | { kind: 'regex'; pattern: string };

export interface MapRouteEntry { key: RouteKey; value: RouteValue; loc?: Loc }

/** One router of `task_routes` (Celery `prepare`, routes.py:122-136). */
export type RouterSpec =
  | { kind: 'map'; entries: MapRouteEntry[]; loc?: Loc }
  /** A router function/class read statically: ordered rules; `fallthrough` is what it returns otherwise. */
  | { kind: 'function'; name: string; rules: FunctionRule[]; fallthrough: RouteValue | 'none'; complete: boolean; loc?: Loc }
  | { kind: 'unknown'; reason: string; loc?: Loc }
  /** Something Celery rejects at send time (a bare items list → ValueError, ...). */
  | { kind: 'invalid'; error: string; loc?: Loc };

export type NameTest =
  | { kind: 'equals'; value: string }
  | { kind: 'startswith'; value: string }
  | { kind: 'endswith'; value: string }
  | { kind: 'in'; values: string[] }
  | { kind: 'contains'; value: string };

/** `match` says how `tests` combine: 'all' (default, `and`) or 'any' (`or`). */
export interface FunctionRule { tests: NameTest[]; match?: 'all' | 'any'; result: RouteValue; loc?: Loc }

export type Transport = 'amqp' | 'redis' | 'sqs' | 'memory' | 'unknown' | string;

/** Effective configuration of one app, every setting resolved as Celery would read it. */
export interface RoutingConfig {
  defaultQueue: string;
  defaultExchange: string;
  defaultExchangeType: ExchangeType;
  defaultRoutingKey: string;
  createMissingQueues: boolean;
  defaultPriority: number | null;
  queueMaxPriority: number | null;
  /** `task_queues` as written; null when unset (then Celery uses the default queue only). */
  queues: QueueSpec[] | null;
  /** `task_routes` normalised to the router list; null when unset. */
  routes: RouterSpec[] | null;
  transport: Transport;
  /** Celery 5.5: `task_default_queue_type` ('classic' | 'quorum'). */
  defaultQueueType?: string;
  /** The Celery version (major.minor) the answer is for; absent = the newest modelled. Gates 5.5-only behaviour. */
  celeryVersion?: string;
  /** `task_publish_retry` (default true). With kombu 5.5 the producer then declares the channel-bound copy of the queue. */
  publishRetry?: boolean;
  /** Celery 5.5: `broker_native_delayed_delivery_queue_type` ('quorum' default | 'classic'). */
  delayedDeliveryQueueType?: string;
  /** Errors Celery raises when reading the configuration (ImproperlyConfigured when names are mixed). */
  configError?: string;
  /** The broker as deployed (RabbitMQ definitions of the app's vhost): delivery starts from it. */
  deployed?: DeployedTopology;
}

/** RabbitMQ objects that exist before any Celery process declares anything (definitions files). */
export interface DeployedTopology {
  vhost: string;
  exchanges: DeployedExchange[];
  queues: DeployedQueue[];
  bindings: DeployedBinding[];
  /** Policies that set an alternate exchange (the only policy key that changes where a message goes). */
  alternateExchangePolicies?: Array<{ pattern: string; priority: number; exchange: string; loc?: Loc }>;
  /** Policies that apply to queues and set dead-lettering or expiry (dead-letter-exchange, message-ttl...). */
  queuePolicies?: DeployedPolicy[];
}
export interface DeployedPolicy { name: string; pattern: string; priority: number; applyTo: string; definition: Record<string, unknown>; loc?: Loc }
export interface DeployedExchange {
  name: string; type: string; durable: boolean; autoDelete: boolean; internal: boolean;
  arguments: Record<string, unknown>; loc?: Loc;
}
export interface DeployedQueue { name: string; durable: boolean; autoDelete: boolean; arguments: Record<string, unknown>; loc?: Loc }
export interface DeployedBinding {
  source: string; destination: string; destinationType: 'queue' | 'exchange'; routingKey: string;
  arguments: Record<string, unknown>; loc?: Loc;
}

/** A task as the router sees it: its attributes (decorator options + task_default_priority). */
export interface TaskAttributes {
  queue?: string | null;
  exchange?: string | null;
  routing_key?: string | null;
  priority?: number | null;
  /** Keys whose value could not be determined. */
  unknown?: RouteOptions['unknown'];
  /** The task function's signature, for Celery's argument check (absent: not checked). */
  signature?: import('./arguments').Signature;
  /** `typing=False` on the task (or `strict_typing=False` on the app) turns the check off. */
  typing?: boolean;
}

export interface RouteRequest {
  task: string;
  /** apply_async options (or send_task options). */
  options: RouteOptions;
  /** Decorator options; ignored with `via: 'send_task'`. */
  taskAttributes?: TaskAttributes;
  via: 'apply_async' | 'send_task';
  /** The call's arguments, when known: positional count and keyword names (checked before routing). */
  arguments?: { args: number; kwargs: string[] };
  /** "Now" for `eta` (ms since the epoch); default Date.now(). */
  now?: number;
}

/** Who decided a published key. */
export type Decider =
  | { by: 'apply_async' }
  | { by: 'task-attribute' }
  | { by: 'task_default_priority' }
  | { by: 'route'; router: number; entry?: number; key?: string; loc?: Loc }
  | { by: 'default'; setting: string }
  | { by: 'queue'; queue: string; detail: string }
  | { by: 'celery'; detail: string };

export interface RouteTrace {
  task: string;
  /** The queue Celery resolved (alias for Broadcast), or null. */
  queue: string | null;
  /** Published exchange ('' = default exchange), routing key and priority. */
  exchange: string | null;
  routingKey: string | null;
  priority: number | null;
  deliveredTo: string[];
  deliveredToRedis: string[];
  dropped: boolean;
  droppedOnRedis: boolean;
  /** Celery exception at send time: "QueueNotFound: ...", "KeyError: 'celery'", ... */
  error: string | null;
  /** RabbitMQ error: "404 NOT_FOUND ...", "406 PRECONDITION_FAILED ..." */
  brokerError: string | null;
  decidedBy: Partial<Record<'queue' | 'exchange' | 'routing_key' | 'priority', Decider>>;
  /** Which router / entry matched, if any. */
  matchedRoute?: { router: number; entry?: number; loc?: Loc };
  /** Human-readable steps, in order. */
  steps: string[];
  /** What could not be known and why. */
  unknowns: string[];
  /** Queue names (RabbitMQ landing) auto-created by create_missing on this send. */
  autoCreated: string[];
  /** What Celery handed to kombu `Producer.publish` (null when the send raised before publishing). */
  publish?: PublishInfo | null;
  /** Redis: the list keys LPUSHed to (`q`, `q\x06\x163`...), in the same order as `deliveredToRedis`. */
  redisLists?: string[];
  /** Redis: PUB/SUB channels a fanout message was PUBLISHed on (nothing stored; live subscribers only). */
  redisPubSub?: string[];
  /** Redis: queues whose consumers receive the fanout message live (subscribed at that moment). */
  redisFanoutQueues?: string[];
  /** Error the send raises on Redis only (kombu virtual transport: `KeyError: 'headers'`). */
  redisError?: string | null;
  /** Celery 5.5 native delayed delivery (quorum queues on RabbitMQ): what it did to this send, if anything. */
  delayed?: DelayedTrace | null;
}

/** Celery 5.5 `send_task` with a quorum queue in app.amqp.queues on RabbitMQ (celery/app/base.py). */
export interface DelayedTrace {
  /** 'rerouted': published to celery_delayed_27; 'direct-warning': the queue's exchange is direct, Celery only
   * logs a warning (the worker holds the message until its ETA); 'not-delayed': no positive countdown/ETA. */
  mode: 'rerouted' | 'direct-warning' | 'not-delayed';
  /** The quorum queue that switched native delayed delivery on. */
  quorumQueue: string;
  /** Whole seconds of delay encoded in the routing key (int(countdown)). */
  delaySeconds?: number;
  /** The queue whose binding key ends the routing key. */
  forQueue?: string;
  /** Where the message is once the delay has passed (through the celery_delayed_N dead-letter chain). */
  deliveredAfterDelay?: string[];
}

/** `Producer.publish` arguments as Celery computed them (amqp.py:482-496). */
export interface PublishInfo {
  exchange: string;
  routingKey: string | null;
  exchangeType: string;
  /** Queues declared by the producer before publishing (display names). */
  declare: string[];
  priority: number | null;
}

export type { Value };
