/**
 * The contract between the VS Code client and the language server, beyond standard LSP: initialization
 * options, the `celeryRouting` settings the server reads, the command the server's code lenses run, and the
 * custom requests. Plain types only (both sides import this file; no vscode, no LSP library imports).
 * Positions are LSP positions (zero-based line / UTF-16 character); `uri` is a file URI.
 */
import type { ConfigQueue } from '../server/src/broker/drift';
import type { NodeKind, NodeProblem } from '../server/src/service/graph';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------- settings

/** The configuration section the server pulls with workspace/configuration. */
export const SETTINGS_SECTION = 'celeryRouting';

export type SeverityOverride = 'error' | 'warning' | 'information' | 'hint' | 'off';

export interface ServerSettings {
  /** `celeryRouting.codeLens.enable` */
  codeLens: { enable: boolean };
  /** `celeryRouting.diagnostics.severity`: per diagnostic code, a severity or 'off'. */
  diagnostics: { severity: Record<string, SeverityOverride> };
  /** `celeryRouting.workerGlobs`: extra globs (relative to each folder) of files that start workers. */
  workerGlobs: string[];
  /** `celeryRouting.transport`: force a transport ('auto' = read it from broker_url). */
  transport: 'auto' | 'amqp' | 'redis' | 'sqs';
  /** `celeryRouting.maxFileSize`: files larger than this (bytes) are skipped. */
  maxFileSize: number;
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = {
  codeLens: { enable: true },
  diagnostics: { severity: {} },
  workerGlobs: [],
  transport: 'auto',
  maxFileSize: 2 * 1024 * 1024,
};

/** `initializationOptions` of the initialize request (both optional: other LSP clients send nothing). */
export interface InitializationOptions {
  protocolVersion?: number;
  settings?: Partial<ServerSettings>;
}

// ---------------------------------------------------------------- positions

export interface Pos { line: number; character: number }
export interface Rng { start: Pos; end: Pos }
export interface Location { uri: string; range: Rng }

// ---------------------------------------------------------------- traces (code lens command, celery/routeTrace)

/** Client command run by a code lens click: show the trace. Its single argument is a `TraceResult`. */
export const SHOW_TRACE_COMMAND = 'celeryRouting.showTrace';

export interface TraceResult {
  /** The task name. */
  task: string;
  /** "task proj.tasks.resize", "apply_async() of proj.tasks.resize", "route 'proj.tasks.*'". */
  title: string;
  /** The one-line summary (what the lens shows). */
  summary: string;
  /** The full trace, one line each (same text as `celery-routing route`). */
  lines: string[];
  /** What could not be known statically. */
  unknowns: string[];
  /** Where the lens / the request points. */
  location?: Location;
  /** Places worth jumping to: the deciding route entry, the queue declaration, consuming workers. */
  related: Array<Location & { label: string }>;
  /**
   * (Added for the client's "Publish Test Message"; optional.) What Celery hands to kombu's publish for this
   * send, as the engine computed it (RouteTrace.publish + the landing queues). Absent or null when the send
   * raises (then `error` says why) or when the server does not fill it.
   */
  publish?: TracePublish | null;
  /** (Optional.) Celery's exception at send time ("QueueNotFound: …"), if the send raises. */
  error?: string | null;
}

/** Published keys of a traced send (see TraceResult.publish). */
export interface TracePublish {
  queue: string | null;
  /** '' = the default exchange. */
  exchange: string;
  exchangeType: string;
  routingKey: string | null;
  priority: number | null;
  /** RabbitMQ landing queues. */
  deliveredTo: string[];
}
/** @deprecated name kept for readers of older drafts. */
export type ShowTraceArgs = TraceResult;

/** `celery/routeTrace`: the trace of the task / call / route entry at a position, or of a task by name. */
export const ROUTE_TRACE_REQUEST = 'celery/routeTrace';
export type RouteTraceParams =
  | { uri: string; position: Pos }
  | { task: string; options?: { queue?: string; exchange?: string; routing_key?: string; priority?: number }; via?: 'apply_async' | 'send_task'; folderUri?: string };
export type RouteTraceResult = TraceResult | null;

// ---------------------------------------------------------------- celery/tasks

/** `celery/tasks`: every task of every workspace folder (or one) with where it goes. */
export const TASKS_REQUEST = 'celery/tasks';
export interface TasksParams { folderUri?: string }
export interface TaskRow {
  name: string;
  folderUri: string;
  location: Location;
  queue: string | null;
  /** Landing queues on RabbitMQ. */
  deliveredTo: string[];
  consumers: string[];
  summary: string;
  problem?: 'error' | 'dropped' | 'unreachable' | 'unknown';
}
export type TasksResult = TaskRow[];

// ---------------------------------------------------------------- celery/topology

/** `celery/topology`: the declared topology of the app (routing map, broker drift), with broker URLs. */
export const TOPOLOGY_REQUEST = 'celery/topology';
export interface TopologyParams { folderUri?: string }

/** A queue as the configuration declares it (the drift comparison's input), plus who routes to it. */
export interface TopologyQueue extends ConfigQueue {
  declared: boolean;
  maxPriority: number | null;
  /** Task names (and call sites) whose messages land in it. */
  routedFrom: string[];
  location?: Location;
}

/** broker_url of an app, as far as it is known statically. */
export interface ConfigBrokerUrl {
  app: string;
  /** The URL with its password (only to connect; never displayed). */
  url?: string;
  /** The URL without password, for display. */
  redacted?: string;
  /** Why the URL is not (fully) known (env variable without default...). */
  unknown?: string;
}

export interface TopologyResult {
  folderUri: string | null;
  /** App id (`module:variable`), null when the workspace has no Celery app. */
  app: string | null;
  transport: string;
  defaultQueue: string;
  createMissingQueues: boolean;
  queues: TopologyQueue[];
  exchanges: Array<{ name: string; type: string; location?: Location }>;
  workers: Array<{ name: string; queues: string[] | null; location: Location }>;
  brokerUrls: ConfigBrokerUrl[];
  /** The routing graph (task → exchange → queue → worker) as Mermaid. */
  mermaid: string;
}

// ---------------------------------------------------------------- celery/graph

/**
 * `celery/graph`: the routing graph of the folder with a Celery app (or the given folder), for the routing
 * map: task → route rule → exchange → binding → queue → worker, nodes marked by problem. The client lays it
 * out and draws it with server/src/service/graph-render.ts (the CLI's `graph --format html|svg` does the same).
 */
export const GRAPH_REQUEST = 'celery/graph';
export interface GraphParams { folderUri?: string }
export interface GraphNodeData {
  id: string;
  kind: NodeKind;
  label: string;
  sub?: string;
  problem?: NodeProblem;
  detail?: string;
  location?: Location;
}
export interface GraphResult {
  folderUri: string;
  /** App id (`module:variable`), null without a Celery app. */
  app: string | null;
  nodes: GraphNodeData[];
  edges: Array<{ from: string; to: string; label?: string }>;
  /** Per task node id, the nodes its message goes through (see Graph.flows). */
  flows: Record<string, string[]>;
}

// ---------------------------------------------------------------- notifications

/** Server → client after each analysis (status bar: indexing state and counts). */
export const STATUS_NOTIFICATION = 'celery/status';
export interface StatusParams { state: 'indexing' | 'ready'; folders: number; tasks: number; queues: number; workers: number; problems: number; skipped: number }
