/**
 * Custom requests and notifications between the VS Code client (client/src) and the language server
 * (server/src/lsp). Typed once here; both sides import it. Plain data only: no vscode, no LSP library types
 * (positions and ranges have the LSP shape, URIs are strings as in LSP).
 *
 * Additive changes only: add optional fields / new methods, never change the meaning of an existing one.
 */

// ------------------------------------------------------------------------------------------- basics

export interface ProtocolPosition { line: number; character: number }
export interface ProtocolRange { start: ProtocolPosition; end: ProtocolPosition }
/** An LSP Location: `uri` is a file:// URI string. */
export interface ProtocolLocation { uri: string; range: ProtocolRange }

// ----------------------------------------------------------------------------------------- settings

/** The configuration section the client contributes (package.json `contributes.configuration`). */
export const SETTINGS_SECTION = 'celeryRouting';

export type SeverityOverride = 'error' | 'warning' | 'information' | 'hint' | 'off';

/**
 * What the server reads from `celeryRouting.*` (workspace/configuration with section `celeryRouting`,
 * scoped to a folder or document URI; also sent once as `initializationOptions.settings`, and the client
 * announces changes with workspace/didChangeConfiguration — the server should then pull again).
 * Client-only keys (brokers, explorer.*, broker.*) are not listed.
 */
export interface ServerSettings {
  /** Extra glob patterns (workspace-relative) of files that start workers, on top of the built-in names. */
  workerGlobs: string[];
  diagnostics: {
    /** Per diagnostic code (e.g. `message-dropped`, `unused-queue`): override or `off`. */
    severity: Record<string, SeverityOverride>;
  };
  /** `auto` = from broker_url / broker_transport in the config; else force the transport the engine simulates. */
  transport: 'auto' | 'amqp' | 'redis';
  codeLens: { enable: boolean };
  /** Files larger than this (bytes) are not parsed. */
  maxFileSize: number;
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  workerGlobs: [],
  diagnostics: { severity: {} },
  transport: 'auto',
  codeLens: { enable: true },
  maxFileSize: 2 * 1024 * 1024,
};

/** `initializationOptions` the client sends. */
export interface InitializationOptions {
  protocolVersion: number;
  settings: ServerSettings;
}

export const PROTOCOL_VERSION = 1;

// ------------------------------------------------------------------------------ celery/topology

/**
 * `celery/topology` (client → server): the app's broker URL(s) and its expanded topology, what the broker
 * explorer compares with a live broker (drift) and where it reveals declarations.
 */
export const TopologyRequest = 'celery/topology';

export interface TopologyParams {
  /** App id (`module:variable`); default: the project's main app (the one with a configuration). */
  app?: string;
}

/** A broker URL found in the configuration (`broker_url`, `BROKER_URL`, `CELERY_BROKER_URL`, …). */
export interface ConfigBrokerUrl {
  /** App id it belongs to. */
  app: string;
  /**
   * The URL as written in the workspace (may contain the password written there — the client only uses it
   * to connect and always displays `redacted`). null when it could not be determined statically.
   */
  url: string | null;
  /** Same with the password replaced by `***`. */
  redacted: string | null;
  /** Why `url` is null / what is uncertain, e.g. "from environment variable BROKER_URL". */
  unknown?: string;
  /** Where it is set. */
  location?: ProtocolLocation;
}

/**
 * A queue of the config, expanded as Celery does (task_queues, or the default queue). Structurally the same
 * as `ConfigQueue` in server/src/broker/drift.ts plus `declaration`, so the client passes it to
 * `computeDrift` unchanged.
 */
export interface TopologyQueue {
  name: string;
  alias?: string;
  broadcast?: boolean;
  exchange: { name: string; type: string } | null;
  routingKey: string | null;
  bindings: Array<{ exchange: string; exchangeType?: string; routingKey: string | null; arguments?: Record<string, unknown> }>;
  queueArguments?: Record<string, unknown>;
  /** Something (a route, task default, call site) sends to it. */
  routedTo: boolean;
  /** Worker names from the workspace that consume it. */
  consumedBy: string[];
  /** Tasks (or `task (call)` entries) that end up in it; optional, for tooltips and publish suggestions. */
  routedFrom?: string[];
  /** x-max-priority, when set. */
  maxPriority?: number | null;
  /** Where the queue is declared (task_queues entry); absent for implicit ones (default queue, create_missing). */
  declaration?: ProtocolLocation;
}

export interface TopologyExchange {
  name: string;
  type: string;
  declaration?: ProtocolLocation;
}

export interface TopologyResult {
  /** Every app found (ids). */
  apps: string[];
  /** The app this answer describes; null when the workspace has no Celery app. */
  app: string | null;
  brokerUrls: ConfigBrokerUrl[];
  /** Transport the engine simulates: amqp | redis | sqs | memory | unknown. */
  transport: string;
  queues: TopologyQueue[];
  exchanges: TopologyExchange[];
  counts: { queues: number; tasks: number; workers: number; calls: number };
}

// --------------------------------------------------------------------------------- celery/tasks

/** `celery/tasks` (client → server): the tasks of the workspace, for quick picks. */
export const TasksRequest = 'celery/tasks';

export interface TasksParams {
  app?: string;
}

export interface TaskItem {
  name: string;
  /** App id that routes it. */
  app?: string | null;
  /** The task definition. */
  location?: ProtocolLocation;
  /** One-line route summary (`→ images · consumed by media (docker-compose.yml)` or the problem). */
  summary?: string;
  /** Queues it is delivered to with no options (RabbitMQ). */
  deliveredTo?: string[];
}

export interface TasksResult {
  tasks: TaskItem[];
}

// --------------------------------------------------------------------------------- celery/trace

/**
 * `celery/trace` (client → server): the full route trace of one send. Also the argument of the
 * `celeryRouting.showTrace` command that code lenses carry (`command.arguments = [TraceParams]`).
 */
export const TraceRequest = 'celery/trace';

export interface TraceParams {
  task: string;
  app?: string;
  /** apply_async / send_task options as plain values. */
  options?: { queue?: string | null; exchange?: string | null; routing_key?: string | null; priority?: number | null };
  via?: 'apply_async' | 'send_task';
  /** The call site, when the trace is for a call (the server may re-read its options from there). */
  uri?: string;
  position?: ProtocolPosition;
}

export interface TraceResult {
  task: string;
  app: string | null;
  /** One line (same as the code lens text). */
  summary: string;
  /** The full trace as plain text lines (the CLI's `trace` rendering). */
  lines: string[];
  /** Published keys, what the engine decided. */
  queue: string | null;
  exchange: string | null;
  /** Type of `exchange` ('direct' for the default exchange). */
  exchangeType: string | null;
  routingKey: string | null;
  priority: number | null;
  deliveredTo: string[];
  deliveredToRedis: string[];
  dropped: boolean;
  /** Celery / broker error at send time, if any. */
  error: string | null;
  consumers: string[];
  unknowns: string[];
  definition?: ProtocolLocation;
}

// ------------------------------------------------------------------------ notifications

/**
 * `celery/modelChanged` (server → client): the analysed model changed (after a scan or an edit, debounced).
 * The client refreshes the status bar and re-asks `celery/topology` for drift.
 */
export const ModelChangedNotification = 'celery/modelChanged';

export interface ModelChangedParams {
  counts: TopologyResult['counts'];
  /** True while the first scan is still running. */
  scanning?: boolean;
}

// ---------------------------------------------------------------------------- commands

/** Client command ids the server refers to (code lenses). */
export const ShowTraceCommand = 'celeryRouting.showTrace';
