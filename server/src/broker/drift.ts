// Pure comparison of the config's topology (expanded task_queues, filled by the routing engine) with a
// broker snapshot. No I/O. Stable codes so the CLI, the tree and tests can key on them.

import type { BrokerKind } from './url';
import type { BrokerSnapshot, ExchangeSnapshot, QueueSnapshot } from './snapshot';

export interface ConfigQueue {
  name: string;
  alias?: string;
  broadcast?: boolean;
  exchange: { name: string; type: string } | null;
  routingKey: string | null;
  bindings: Array<{ exchange: string; exchangeType?: string; routingKey: string | null; arguments?: Record<string, unknown> }>;
  queueArguments?: Record<string, unknown>;
  /** Something (a route, task default, call site) sends to it. */
  routedTo: boolean;
  /** Worker names from the config that consume it. */
  consumedBy: string[];
}

export interface ConfigTopology {
  queues: ConfigQueue[];
  exchanges: Array<{ name: string; type: string }>;
}

export const DriftCode = {
  MissingQueue: 'missing-queue',
  MissingExchange: 'missing-exchange',
  MissingBinding: 'missing-binding',
  UnexpectedQueue: 'unexpected-queue',
  ExchangeTypeMismatch: 'exchange-type-mismatch',
  QueueArgumentMismatch: 'queue-argument-mismatch',
  MessagesNoConsumers: 'messages-no-consumers',
  UnroutedQueue: 'unrouted-queue',
} as const;
export type DriftCode = (typeof DriftCode)[keyof typeof DriftCode];

export type DriftSeverity = 'error' | 'warning' | 'info';

export interface DriftItem {
  code: DriftCode;
  severity: DriftSeverity;
  message: string;
  vhost: string;
  queue?: string;
  exchange?: string;
  /** What the config says / what the broker has (for the mismatch kinds). */
  expected?: unknown;
  actual?: unknown;
  argument?: string;
}

export interface DriftReport {
  broker: BrokerKind;
  /** Redacted. */
  url: string;
  vhost: string;
  items: DriftItem[];
  counts: Record<DriftSeverity, number>;
  checked: { queues: number; exchanges: number; bindings: number };
  /** Limits of the comparison (e.g. what Redis cannot tell). */
  notes: string[];
}

export interface DriftOptions {
  /** Extra broker queue names / patterns not to report as unexpected. */
  ignoreQueues?: Array<string | RegExp>;
}

/** Queue arguments RabbitMQ checks for equivalence on re-declare (a difference → 406 PRECONDITION_FAILED). */
export const EQUIVALENCE_ARGUMENTS = [
  'x-queue-type', 'x-max-priority', 'x-message-ttl', 'x-expires', 'x-max-length', 'x-max-length-bytes',
  'x-dead-letter-exchange', 'x-dead-letter-routing-key', 'x-overflow', 'x-single-active-consumer', 'x-queue-mode',
] as const;

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Celery / RabbitMQ internals that are never in task_queues. */
export function isCeleryInternalQueue(name: string): boolean {
  return (
    name.startsWith('celeryev.') ||
    name.endsWith('.celery.pidbox') || // celery@host.celery.pidbox, <uuid>.reply.celery.pidbox
    name.startsWith('amq.') ||
    name.startsWith('bcast.') ||
    name === 'celery-routing.tap' ||
    UUID_RE.test(name) // rpc:// result queues are named by the app's oid
  );
}

function isBuiltinExchange(name: string): boolean {
  return name === '' || name.startsWith('amq.');
}

/** Exit status rule for the CLI: drift at or above `failOn`. */
export function hasDrift(report: DriftReport, failOn: DriftSeverity = 'warning'): boolean {
  const rank: Record<DriftSeverity, number> = { info: 0, warning: 1, error: 2 };
  return report.items.some((i) => rank[i.severity] >= rank[failOn]);
}

function norm(v: unknown): unknown {
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
function show(v: unknown): string {
  return v === undefined ? '(not set)' : JSON.stringify(v);
}
function argsMatch(want: Record<string, unknown> | undefined, have: Record<string, unknown>): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => same(v, have[k]));
}

interface ExpectedBinding {
  queue: string;
  exchange: string;
  exchangeType: string | undefined;
  routingKey: string;
  arguments?: Record<string, unknown>;
}

function expectedBindings(q: ConfigQueue): ExpectedBinding[] {
  const rows = q.bindings.length
    ? q.bindings.map((b) => ({ exchange: b.exchange, exchangeType: b.exchangeType, routingKey: b.routingKey, arguments: b.arguments }))
    : q.exchange
      ? [{ exchange: q.exchange.name, exchangeType: q.exchange.type, routingKey: q.routingKey, arguments: undefined }]
      : [];
  return rows
    .filter((b) => b.exchange !== '')
    .map((b) => ({ queue: q.name, exchange: b.exchange, exchangeType: b.exchangeType, routingKey: b.routingKey ?? '', arguments: b.arguments }));
}

export function computeDrift(config: ConfigTopology, snapshot: BrokerSnapshot, opts: DriftOptions = {}): DriftReport {
  const vhostName = snapshot.currentVhost;
  const vh = snapshot.vhosts.find((v) => v.name === snapshot.currentVhost) ?? { name: vhostName, exchanges: [], queues: [], unackedTotal: null };
  const redis = snapshot.kind === 'redis';
  const caps = snapshot.capabilities;
  const items: DriftItem[] = [];
  const push = (i: Omit<DriftItem, 'vhost'>) => items.push({ ...i, vhost: vhostName });
  const where = redis ? `Redis db ${vhostName}` : `vhost "${vhostName}"`;
  const notes: string[] = [];

  const brokerQueues = new Map<string, QueueSnapshot>(vh.queues.map((q) => [q.name, q]));
  const brokerExchanges = new Map<string, ExchangeSnapshot>(vh.exchanges.map((x) => [x.name, x]));

  // Exchange types the config expects (explicit list, queues' exchanges, binding types).
  const cfgExchanges = new Map<string, string>();
  const noteType = (name: string, type: string | undefined) => {
    if (!name || !type || cfgExchanges.has(name)) return;
    cfgExchanges.set(name, type);
  };
  for (const x of config.exchanges) noteType(x.name, x.type);
  for (const q of config.queues) {
    if (q.exchange) noteType(q.exchange.name, q.exchange.type);
    for (const b of q.bindings) noteType(b.exchange, b.exchangeType);
  }

  // Exchanges: missing / type mismatch.
  const missingExchanges = new Set<string>();
  let exchangesChecked = 0;
  for (const [name, type] of cfgExchanges) {
    if (isBuiltinExchange(name)) continue;
    exchangesChecked++;
    const bx = brokerExchanges.get(name);
    if (redis) {
      if (type === 'headers') {
        push({ code: DriftCode.ExchangeTypeMismatch, severity: 'error', exchange: name, expected: type, actual: null,
          message: `Exchange "${name}" is a headers exchange in the config, but kombu's Redis transport has no headers exchanges (KeyError: 'headers').` });
        continue;
      }
      if (!bx) continue; // reported per binding below: on Redis an exchange is only its binding rows
      const hint = bx.typeHint;
      if (type === 'topic' && hint === 'direct-or-fanout') {
        push({ code: DriftCode.ExchangeTypeMismatch, severity: 'warning', exchange: name, expected: 'topic', actual: hint,
          message: `Exchange "${name}" is topic in the config, but its Redis binding rows were stored as direct/fanout (no regex): under a topic lookup such a row matches every routing key.` });
      } else if (type !== 'topic' && (hint === 'topic' || hint === 'mixed')) {
        push({ code: DriftCode.ExchangeTypeMismatch, severity: 'warning', exchange: name, expected: type, actual: hint,
          message: `Exchange "${name}" is ${type} in the config, but ${hint === 'mixed' ? 'some of ' : ''}its Redis binding rows carry topic regexes (it was declared as topic by some connection).` });
      }
      continue;
    }
    if (!bx) {
      missingExchanges.add(name);
      push({ code: DriftCode.MissingExchange, severity: 'error', exchange: name, expected: type,
        message: `Exchange "${name}" (${type}) is in the config but does not exist in ${where}; publishing to it fails with 404 NOT_FOUND until a worker or producer declares it.` });
      continue;
    }
    if (caps.exchangeTypes && bx.type && bx.type !== type) {
      push({ code: DriftCode.ExchangeTypeMismatch, severity: 'error', exchange: name, expected: type, actual: bx.type,
        message: `Exchange "${name}" is ${bx.type} on the broker but ${type} in the config: declaring it fails with 406 PRECONDITION_FAILED (inequivalent arg 'type'), and routing follows ${bx.type} rules.` });
    }
  }

  // Queues.
  let queuesChecked = 0;
  let bindingsChecked = 0;
  const cfgNames = new Set<string>();
  for (const q of config.queues) {
    cfgNames.add(q.name);
    if (q.alias) cfgNames.add(q.alias);
    if (!q.routedTo) {
      push({ code: DriftCode.UnroutedQueue, severity: 'info', queue: q.name,
        message: `Queue "${q.name}" is declared in the config but no route, task default or call site sends to it.` });
    }
    if (q.broadcast) continue; // per-worker bcast.<uuid> queues; only the fanout exchange is shared
    queuesChecked++;
    const bq = brokerQueues.get(q.name);
    const exists = !!bq && bq.exists;
    if (!exists && !redis) {
      push({ code: DriftCode.MissingQueue, severity: 'error', queue: q.name,
        message: `Queue "${q.name}" is in the config but does not exist in ${where}${q.consumedBy.length ? ` (no worker consuming it — ${q.consumedBy.join(', ')} — has declared it yet)` : ''}; messages routed to it are dropped or returned.` });
    }
    // Arguments (RabbitMQ).
    if (bq && exists && caps.queueArguments && !redis) {
      const want = q.queueArguments ?? {};
      const have: Record<string, unknown> = { ...bq.arguments };
      if (!('x-queue-type' in have) && bq.type) have['x-queue-type'] = bq.type;
      const keys = new Set<string>([...EQUIVALENCE_ARGUMENTS.filter((k) => k in want || k in have), ...Object.keys(want)]);
      for (const k of keys) {
        let w = want[k];
        let h = have[k];
        if (k === 'x-queue-type') {
          w = w ?? 'classic';
          h = h ?? 'classic';
        }
        if (!same(w, h)) {
          push({ code: DriftCode.QueueArgumentMismatch, severity: 'error', queue: q.name, argument: k, expected: w, actual: h,
            message: `Queue "${q.name}" has ${k}=${show(h)} on the broker but ${show(w)} in the config: re-declaring it fails with 406 PRECONDITION_FAILED (inequivalent arg '${k}').` });
        }
      }
    }
    // Bindings.
    if (caps.bindings) {
      for (const b of expectedBindings(q)) {
        bindingsChecked++;
        if (!redis && (missingExchanges.has(b.exchange) || !exists)) continue; // already reported
        const type = b.exchangeType ?? cfgExchanges.get(b.exchange) ?? brokerExchanges.get(b.exchange)?.type ?? 'direct';
        const bx = brokerExchanges.get(b.exchange);
        const found = (bx?.bindings ?? []).some((x) =>
          x.destination === b.queue && x.destinationType === 'queue' &&
          (type === 'fanout' || type === 'headers' ? true : x.routingKey === b.routingKey) &&
          (type === 'headers' ? argsMatch(b.arguments, x.arguments) : true));
        if (!found) {
          push({ code: DriftCode.MissingBinding, severity: redis ? 'warning' : 'error', queue: b.queue, exchange: b.exchange, expected: b.routingKey,
            message: redis
              ? `No binding row "${b.routingKey}" → "${b.queue}" in _kombu.binding.${b.exchange}: publishes through exchange "${b.exchange}" are dropped silently until a worker or producer declares the queue.`
              : `Queue "${b.queue}" is not bound to exchange "${b.exchange}" with routing key "${b.routingKey}" in ${where}: messages for that key do not reach it.` });
        }
      }
    }
    // Messages waiting with nobody to take them.
    if (bq && bq.messagesReady > 0) {
      if (bq.consumers === 0) {
        push({ code: DriftCode.MessagesNoConsumers, severity: 'warning', queue: q.name, actual: bq.messagesReady,
          message: `Queue "${q.name}" has ${bq.messagesReady} ready message(s) and no consumer${q.consumedBy.length ? ` (the config expects ${q.consumedBy.join(', ')} — not running?)` : ' (and no worker in the config consumes it)'}.` });
      } else if (bq.consumers === null && q.consumedBy.length === 0) {
        push({ code: DriftCode.MessagesNoConsumers, severity: 'warning', queue: q.name, actual: bq.messagesReady,
          message: `Queue "${q.name}" holds ${bq.messagesReady} message(s) and no worker in the config consumes it (${redis ? 'Redis does not report consumers' : 'consumers unknown'}).` });
      }
    }
  }

  // Broker queues the config does not know.
  const ignored = (name: string) =>
    isCeleryInternalQueue(name) || (opts.ignoreQueues ?? []).some((p) => (typeof p === 'string' ? p === name : p.test(name)));
  if (caps.listsAllQueues) {
    for (const bq of vh.queues) {
      if (cfgNames.has(bq.name) || ignored(bq.name) || bq.exclusive) continue;
      if (redis && !bq.exists) continue;
      push({ code: DriftCode.UnexpectedQueue, severity: 'warning', queue: bq.name, actual: bq.messagesReady,
        message: `Queue "${bq.name}" exists in ${where}${bq.messagesReady ? ` with ${bq.messagesReady} message(s)` : ''} but is not in the config's task_queues.` });
      if (bq.messagesReady > 0 && bq.consumers === 0) {
        push({ code: DriftCode.MessagesNoConsumers, severity: 'warning', queue: bq.name, actual: bq.messagesReady,
          message: `Queue "${bq.name}" has ${bq.messagesReady} ready message(s) and no consumer.` });
      }
    }
  } else {
    notes.push('The snapshot lists only the names the config gave, so queues the config does not know cannot be reported.');
  }
  if (redis) {
    notes.push('Redis stores no exchange types, queue arguments or consumers: exchanges are compared through their binding rows, queues through their lists.');
  } else if (!caps.exchangeTypes) {
    notes.push('Exchange types, bindings and queue arguments were not checked (management API unavailable).');
  }

  const counts: Record<DriftSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const i of items) counts[i.severity]++;
  const order: Record<DriftSeverity, number> = { error: 0, warning: 1, info: 2 };
  items.sort((a, b) => order[a.severity] - order[b.severity]);
  return {
    broker: snapshot.kind,
    url: snapshot.url,
    vhost: vhostName,
    items,
    counts,
    checked: { queues: queuesChecked, exchanges: exchangesChecked, bindings: bindingsChecked },
    notes,
  };
}
