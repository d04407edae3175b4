/**
 * The broker explorer's tree as plain data, built from a connection's state (BrokerSnapshot + DriftReport).
 * Pure: the vscode TreeDataProvider only maps these nodes to TreeItems.
 *
 * RabbitMQ: connection → vhost → Exchanges → exchange → binding → queue, and vhost → Queues → queue.
 * Redis:    connection → db → Queues → queue → priority sub-lists; Bindings → _kombu.binding.<x> → rows; Unacked.
 * Drift items are attached to the node they concern; what the config declares but the broker lacks appears
 * as a "ghost" node (missing: true).
 */
import type { DriftItem, DriftReport, DriftSeverity } from '../../../server/src/broker/drift';
import { isCeleryInternalQueue } from '../../../server/src/broker/drift';
import type { BrokerSnapshot, ExchangeSnapshot, QueueSnapshot, VhostSnapshot } from '../../../server/src/broker/snapshot';
import { redactUrl } from '../../../server/src/broker/url';
import type { TopologyQueue } from '../../../shared/protocol';
import { formatDelay } from './backoff';
import type { ConnectionDef } from './connections';
import { contextValue } from './gating';
import {
  driftShort, driftSuffix, exchangeDescription, exchangeLabel, joinDescription, plural, queueDescription, SEVERITY_MARK, worstSeverity,
} from './labels';

export type NodeKind =
  | 'connection' | 'vhost' | 'group' | 'exchange' | 'binding' | 'queue' | 'priority' | 'unacked' | 'message' | 'drift';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'error';

export interface IconSpec {
  /** codicon id */
  id: string;
  /** theme color id */
  color?: string;
}

export interface TreeNode {
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: IconSpec;
  collapsible: 'none' | 'collapsed' | 'expanded';
  children: TreeNode[];
  contextValue: string;
  drift: DriftItem[];
  severity?: DriftSeverity;
  /** Payload for commands. */
  connectionId: string;
  vhost?: string;
  queue?: string;
  exchange?: string;
  exchangeType?: string | null;
  /** What "Copy Name" copies. */
  name?: string;
  /** Declared in config but not on the broker. */
  missing?: boolean;
  /** Ready messages (queues), for the purge confirmation. */
  messages?: number;
  command?: { id: string; title: string; args?: unknown[] };
}

/** Everything the tree needs about one connection. */
export interface ConnectionView {
  def: ConnectionDef;
  readOnly: boolean;
  state: ConnectionState;
  /** A refresh is running (the last snapshot is still shown). */
  refreshing?: boolean;
  snapshot?: BrokerSnapshot;
  drift?: DriftReport;
  /** Why the drift could not be computed (no topology from the server yet…). */
  driftNote?: string;
  error?: string;
  failures?: number;
  nextRetryMs?: number | null;
  /** Config queues from the server, for tooltips (routed from, consumed by). */
  configQueues?: TopologyQueue[];
  /** Exchanges being tapped. */
  tapping?: string[];
}

const SEVERITY_ICON: Record<DriftSeverity, IconSpec> = {
  error: { id: 'error', color: 'problemsErrorIcon.foreground' },
  warning: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  info: { id: 'info', color: 'problemsInfoIcon.foreground' },
};

const QUEUE_CODES = new Set(['missing-queue', 'unexpected-queue', 'queue-argument-mismatch', 'messages-no-consumers', 'unrouted-queue', 'missing-binding']);
const EXCHANGE_CODES = new Set(['missing-exchange', 'exchange-type-mismatch']);

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function driftTooltip(items: readonly DriftItem[]): string {
  return items.map((i) => `${SEVERITY_MARK[i.severity]} **${i.code}** — ${esc(i.message)}`).join('\n\n');
}

function withDrift(node: TreeNode, items: DriftItem[]): TreeNode {
  if (!items.length) return node;
  const sev = worstSeverity(items)!;
  return {
    ...node,
    drift: items,
    severity: sev,
    icon: SEVERITY_ICON[sev],
    description: joinDescription(node.description, driftSuffix(items)),
    tooltip: [node.tooltip, driftTooltip(items)].filter(Boolean).join('\n\n---\n\n'),
    contextValue: `${node.contextValue} drift`,
  };
}

function message(connectionId: string, id: string, label: string, icon: IconSpec, command?: TreeNode['command'], tooltip?: string): TreeNode {
  return { id: `${connectionId}/msg:${id}`, kind: 'message', label, icon, collapsible: 'none', children: [], contextValue: 'message', drift: [], connectionId, command, tooltip };
}

function group(parentId: string, connectionId: string, key: string, label: string, children: TreeNode[], icon = 'folder', expanded = true): TreeNode {
  const drift = children.flatMap((c) => c.drift);
  const sev = worstSeverity(drift);
  return {
    id: `${parentId}/${key}`, kind: 'group', label, description: String(children.length), icon: { id: icon }, children, drift: [],
    severity: sev, collapsible: children.length ? (expanded ? 'expanded' : 'collapsed') : 'none', contextValue: `group ${key}`, connectionId,
  };
}

/** Human text of a connection's state. */
export function stateText(v: ConnectionView): string {
  switch (v.state) {
    case 'connecting': return 'connecting…';
    case 'disconnected': return 'not connected';
    case 'error': {
      const retry = v.nextRetryMs ? `, retry in ${formatDelay(v.nextRetryMs)}` : '';
      return `unavailable${retry}`;
    }
    case 'connected': {
      const s = v.snapshot;
      const server = s ? `${s.server.product}${s.server.version ? ' ' + s.server.version : ''}` : 'connected';
      return v.refreshing ? `${server} · refreshing…` : server;
    }
  }
}

const CONNECTION_ICON: Record<ConnectionState, IconSpec> = {
  connected: { id: 'vm-active', color: 'testing.iconPassed' },
  connecting: { id: 'loading~spin' },
  disconnected: { id: 'vm-outline' },
  error: { id: 'debug-disconnect', color: 'problemsErrorIcon.foreground' },
};

function connectionFlags(v: ConnectionView) {
  return {
    [v.state]: true,
    writable: !v.readOnly,
    readonly: v.readOnly,
    rabbitmq: v.def.kind === 'rabbitmq',
    redis: v.def.kind === 'redis',
    user: v.def.source === 'user',
    config: v.def.source === 'config',
    tapping: !!v.tapping?.length,
  };
}

/** The connection node with its whole subtree. */
export function buildConnectionNode(v: ConnectionView): TreeNode {
  const cid = v.def.id;
  const counts = v.drift?.counts;
  const driftText = counts && v.drift!.items.length
    ? `${counts.error ? `✖ ${counts.error} ` : ''}${counts.warning ? `⚠ ${counts.warning} ` : ''}${counts.info ? `ℹ ${counts.info}` : ''}`.trim()
    : v.state === 'connected' && v.drift ? 'no drift' : '';
  const node: TreeNode = {
    id: cid,
    kind: 'connection',
    label: v.def.label,
    description: [v.def.redacted || undefined, stateText(v), v.readOnly ? 'read-only' : undefined, driftText || undefined].filter(Boolean).join(' · '),
    tooltip: [
      `**${esc(v.def.label)}**`,
      `\`${redactUrl(v.def.redacted || v.def.url)}\``,
      `${v.def.source === 'config' ? `From the workspace configuration${v.def.app ? ` (app ${esc(v.def.app)})` : ''}` : 'User connection (setting celeryRouting.brokers)'}`,
      v.readOnly ? 'Read-only: purge, publish and declare are disabled.' : 'Changes allowed (each one asks for confirmation).',
      v.error ? `Last error: ${esc(v.error)}` : '',
    ].filter(Boolean).join('\n\n'),
    icon: CONNECTION_ICON[v.state],
    collapsible: 'expanded',
    children: [],
    contextValue: contextValue('connection', connectionFlags(v)),
    drift: [],
    severity: counts ? (counts.error ? 'error' : counts.warning ? 'warning' : counts.info ? 'info' : undefined) : undefined,
    connectionId: cid,
    name: v.def.redacted,
  };
  node.children = connectionChildren(v);
  if (!node.children.length) node.collapsible = 'none';
  return node;
}

function connectionChildren(v: ConnectionView): TreeNode[] {
  const cid = v.def.id;
  if (v.def.problem && !v.def.url) {
    return [message(cid, 'problem', v.def.problem, { id: 'question' })];
  }
  const out: TreeNode[] = [];
  if (v.def.problem) out.push(message(cid, 'problem', v.def.problem, { id: 'warning', color: 'problemsWarningIcon.foreground' }));
  if (v.state === 'disconnected' && !v.snapshot) {
    out.push(message(cid, 'connect', 'Not connected — click to connect', { id: 'plug' }, { id: 'celeryRouting.connect', title: 'Connect', args: [cid] }));
    return out;
  }
  if (v.state === 'connecting' && !v.snapshot) {
    out.push(message(cid, 'connecting', 'Connecting…', { id: 'loading~spin' }));
    return out;
  }
  if (v.error) {
    const retry = v.nextRetryMs ? ` (retry in ${formatDelay(v.nextRetryMs)})` : '';
    out.push(message(cid, 'error', `${v.error}${retry}`, { id: 'error', color: 'problemsErrorIcon.foreground' },
      { id: 'celeryRouting.refresh', title: 'Retry now', args: [cid] }, esc(v.error)));
  }
  const s = v.snapshot;
  if (!s) return out;
  for (const [i, w] of s.warnings.entries()) out.push(message(cid, `warn${i}`, w, { id: 'warning', color: 'problemsWarningIcon.foreground' }, undefined, esc(w)));
  if (v.driftNote) out.push(message(cid, 'driftnote', v.driftNote, { id: 'info' }));
  if (v.drift && v.drift.items.length) out.push(driftGroup(v, v.drift));
  for (const vh of s.vhosts) out.push(s.kind === 'redis' ? redisDb(v, s, vh) : rabbitVhost(v, s, vh));
  return out;
}

function driftGroup(v: ConnectionView, r: DriftReport): TreeNode {
  const cid = v.def.id;
  const children = r.items.map((i, n): TreeNode => ({
    id: `${cid}/drift/${n}:${i.code}:${i.queue ?? ''}:${i.exchange ?? ''}:${i.argument ?? ''}`,
    kind: 'drift',
    label: i.queue ? `queue ${i.queue}` : i.exchange !== undefined ? `exchange ${i.exchange}` : i.code,
    description: driftShort(i),
    tooltip: `${SEVERITY_MARK[i.severity]} **${i.code}** — ${esc(i.message)}`,
    icon: SEVERITY_ICON[i.severity],
    collapsible: 'none',
    children: [],
    contextValue: contextValue('drift', { [i.code]: true, queue: !!i.queue, exchange: !!i.exchange && !i.queue }),
    drift: [i],
    severity: i.severity,
    connectionId: cid,
    vhost: i.vhost,
    queue: i.queue,
    exchange: i.exchange,
    name: i.queue ?? i.exchange,
  }));
  const g = group(cid, cid, 'drift', 'Drift', children, 'diff', true);
  g.description = [r.counts.error && `${r.counts.error} error(s)`, r.counts.warning && `${r.counts.warning} warning(s)`, r.counts.info && `${r.counts.info} info`].filter(Boolean).join(', ');
  g.tooltip = ['Differences between the workspace configuration and this broker.', ...r.notes.map(esc)].join('\n\n');
  g.severity = worstSeverity(r.items);
  g.icon = g.severity ? SEVERITY_ICON[g.severity] : { id: 'diff' };
  return g;
}

function queueDrift(items: DriftItem[], queue: string): DriftItem[] {
  return items.filter((i) => i.queue === queue && QUEUE_CODES.has(i.code));
}
function exchangeDrift(items: DriftItem[], exchange: string): DriftItem[] {
  return items.filter((i) => i.exchange === exchange && !i.queue && EXCHANGE_CODES.has(i.code));
}

function configQueueTooltip(v: ConnectionView, name: string): string | undefined {
  const q = v.configQueues?.find((c) => c.name === name || c.alias === name);
  if (!q) return undefined;
  const lines: string[] = ['Declared in the workspace configuration.'];
  if (q.routedFrom?.length) lines.push(`Routed from: ${q.routedFrom.slice(0, 8).map(esc).join(', ')}${q.routedFrom.length > 8 ? ', …' : ''}`);
  else if (!q.routedTo) lines.push('Nothing in the workspace routes to it.');
  lines.push(q.consumedBy.length ? `Consumed by: ${q.consumedBy.map(esc).join(', ')}` : 'No known worker consumes it.');
  return lines.join('\n\n');
}

function queueNode(v: ConnectionView, parentId: string, vhost: string, q: QueueSnapshot, items: DriftItem[], current: boolean): TreeNode {
  const cid = v.def.id;
  const isRedis = v.snapshot?.kind === 'redis';
  const children: TreeNode[] = [];
  if (isRedis && q.priorityLengths) {
    const keys = Object.keys(q.priorityLengths).sort((a, b) => Number(a) - Number(b));
    if (keys.length > 1 || (keys.length === 1 && keys[0] !== '0')) {
      for (const k of keys) {
        children.push({
          id: `${parentId}/q:${q.name}/p:${k}`, kind: 'priority', label: `priority ${k}`,
          description: `${plural(q.priorityLengths[k], 'message')}${k === '0' ? ' (the plain list)' : ''}`, icon: { id: 'list-ordered' }, collapsible: 'none', children: [],
          contextValue: 'priority', drift: [], connectionId: cid, vhost, queue: q.name, name: q.name,
        });
      }
    }
  }
  const node: TreeNode = {
    id: `${parentId}/q:${q.name}`,
    kind: 'queue',
    label: q.name,
    description: queueDescription(q),
    tooltip: [`Queue **${esc(q.name)}**`, (current && configQueueTooltip(v, q.name)) || (current && v.configQueues ? 'Not in the workspace configuration.' : '')].filter(Boolean).join('\n\n'),
    icon: { id: 'inbox' },
    collapsible: children.length ? 'collapsed' : 'none',
    children,
    contextValue: contextValue('queue', {
      writable: !v.readOnly, readonly: v.readOnly, connected: v.state === 'connected', declared: !!v.configQueues?.some((c) => c.name === q.name || c.alias === q.name),
      rabbitmq: !isRedis, redis: isRedis, hasMessages: q.messagesReady > 0,
    }),
    drift: [],
    connectionId: cid,
    vhost,
    queue: q.name,
    name: q.name,
    messages: q.messagesReady,
  };
  return withDrift(node, current ? items : []);
}

function ghostQueue(v: ConnectionView, parentId: string, vhost: string, name: string, items: DriftItem[]): TreeNode {
  const q: QueueSnapshot = {
    name, type: null, exists: false, durable: null, autoDelete: null, exclusive: null, arguments: {}, state: null,
    messagesReady: 0, messagesUnacknowledged: null, consumers: null, rates: null,
  };
  const n = queueNode(v, parentId, vhost, q, items, true);
  return { ...n, missing: true, description: n.description?.replace(/^not on the broker — /, ''), contextValue: `${n.contextValue} missing` };
}

function sortQueues(a: QueueSnapshot, b: QueueSnapshot): number {
  return a.name.localeCompare(b.name);
}

/** Queue nodes of a vhost, with ghosts for the config's missing ones and internals hidden. */
function queueNodes(v: ConnectionView, parentId: string, vh: VhostSnapshot, current: boolean, showInternal: boolean): TreeNode[] {
  const items = current ? v.drift?.items ?? [] : [];
  const out: TreeNode[] = [];
  const names = new Set<string>();
  for (const q of [...vh.queues].sort(sortQueues)) {
    if (!showInternal && isCeleryInternalQueue(q.name)) continue;
    names.add(q.name);
    out.push(queueNode(v, parentId, vh.name, q, queueDrift(items, q.name), current));
  }
  const ghosts = new Set(items.filter((i) => i.queue && !names.has(i.queue) && QUEUE_CODES.has(i.code)).map((i) => i.queue!));
  for (const g of [...ghosts].sort()) out.push(ghostQueue(v, parentId, vh.name, g, queueDrift(items, g)));
  return out;
}

function rabbitVhost(v: ConnectionView, s: BrokerSnapshot, vh: VhostSnapshot): TreeNode {
  const cid = v.def.id;
  const current = vh.name === s.currentVhost;
  const vid = `${cid}/vh:${vh.name}`;
  const items = current ? v.drift?.items ?? [] : [];
  const queuesByName = new Map(vh.queues.map((q) => [q.name, q]));
  const exchanges: TreeNode[] = [];
  const exNames = new Set<string>();
  for (const x of [...vh.exchanges].sort((a, b) => a.name.localeCompare(b.name))) {
    const builtin = x.name === '' || x.name.startsWith('amq.');
    if (builtin && !x.bindings.length) continue;
    if (x.name === '') continue; // the default exchange binds every queue by its name: shown as the Queues group
    exNames.add(x.name);
    exchanges.push(exchangeNode(v, vid, vh.name, x, items, queuesByName, current));
  }
  const ghostEx = new Set(items.filter((i) => i.exchange && !exNames.has(i.exchange) && (i.code === 'missing-exchange' || i.code === 'missing-binding')).map((i) => i.exchange!));
  for (const name of [...ghostEx].sort()) {
    exchanges.push(exchangeNode(v, vid, vh.name, { name, type: null, durable: null, autoDelete: null, internal: null, arguments: {}, bindings: [] }, items, queuesByName, current, true));
  }
  const queues = queueNodes(v, vid, vh, current, false);
  const children = [
    group(vid, cid, 'exchanges', 'Exchanges', exchanges, 'arrow-swap', true),
    group(vid, cid, 'queues', 'Queues', queues, 'inbox', true),
  ];
  const unacked = vh.unackedTotal;
  return {
    id: vid, kind: 'vhost', label: vh.name === '/' ? '/ (default vhost)' : vh.name,
    description: [current ? 'current' : '', `${plural(vh.queues.length, 'queue')}`, unacked ? `${unacked} unacked` : ''].filter(Boolean).join(' · '),
    icon: { id: 'folder-library' }, collapsible: current ? 'expanded' : 'collapsed', children, contextValue: contextValue('vhost', { current }),
    drift: [], connectionId: cid, vhost: vh.name, name: vh.name,
  };
}

function exchangeNode(
  v: ConnectionView, parentId: string, vhost: string, x: ExchangeSnapshot, items: DriftItem[],
  queuesByName: Map<string, QueueSnapshot>, current: boolean, ghost = false,
): TreeNode {
  const cid = v.def.id;
  const xid = `${parentId}/x:${x.name}`;
  const children: TreeNode[] = [];
  for (const b of [...x.bindings].sort((a, c) => a.destination.localeCompare(c.destination) || a.routingKey.localeCompare(c.routingKey))) {
    const bid = `${xid}/b:${b.destinationType}:${b.destination}:${b.routingKey}`;
    const q = b.destinationType === 'queue' ? queuesByName.get(b.destination) : undefined;
    const qChild = q ? [queueNode(v, bid, vhost, q, current ? queueDrift(items, q.name).filter((i) => i.code !== 'missing-binding') : [], current)] : [];
    const args = Object.keys(b.arguments ?? {}).length ? ` ${JSON.stringify(b.arguments)}` : '';
    children.push({
      id: bid, kind: 'binding', label: `${b.routingKey === '' ? "''" : b.routingKey} → ${b.destination}`,
      description: `${b.destinationType === 'exchange' ? 'exchange' : 'queue'}${args}${b.pattern ? ` · regex ${b.pattern}` : ''}`,
      icon: { id: 'arrow-right' }, collapsible: qChild.length ? 'collapsed' : 'none', children: qChild,
      contextValue: contextValue('binding', { queue: b.destinationType === 'queue' }), drift: [], connectionId: cid, vhost,
      exchange: x.name, queue: b.destinationType === 'queue' ? b.destination : undefined, name: b.routingKey,
    });
  }
  if (current) {
    for (const i of items.filter((i) => i.code === 'missing-binding' && i.exchange === x.name)) {
      const rk = String(i.expected ?? '');
      children.push(withDrift({
        id: `${xid}/missing-b:${i.queue}:${rk}`, kind: 'binding', label: `${rk === '' ? "''" : rk} → ${i.queue}`, description: 'queue',
        icon: { id: 'arrow-right' }, collapsible: 'none', children: [], contextValue: 'binding queue missing', drift: [], connectionId: cid, vhost,
        exchange: x.name, queue: i.queue, name: rk, missing: true,
      }, [i]));
    }
  }
  const node: TreeNode = {
    id: xid, kind: 'exchange', label: exchangeLabel(x.name), description: ghost ? '' : exchangeDescription(x),
    tooltip: `Exchange **${esc(x.name)}**${x.arguments && Object.keys(x.arguments).length ? `\n\narguments: \`${JSON.stringify(x.arguments)}\`` : ''}`,
    icon: { id: 'arrow-swap' }, collapsible: children.length ? 'collapsed' : 'none', children,
    contextValue: contextValue('exchange', {
      writable: !v.readOnly, readonly: v.readOnly, connected: v.state === 'connected', rabbitmq: v.snapshot?.kind !== 'redis',
      redis: v.snapshot?.kind === 'redis', tapping: !!v.tapping?.includes(x.name), missing: ghost,
    }),
    drift: [], connectionId: cid, vhost, exchange: x.name, exchangeType: x.type, name: x.name, missing: ghost || undefined,
  };
  const d = current ? exchangeDrift(items, x.name) : [];
  const marked = withDrift(node, d);
  // A missing binding below marks the exchange too (without repeating the text).
  const below = children.flatMap((c) => c.drift);
  if (!d.length && below.length) {
    const sev = worstSeverity(below)!;
    return { ...marked, severity: sev, icon: SEVERITY_ICON[sev], description: joinDescription(marked.description, `${SEVERITY_MARK[sev]} ${plural(below.length, 'binding')} missing`) };
  }
  return marked;
}

function redisDb(v: ConnectionView, s: BrokerSnapshot, vh: VhostSnapshot): TreeNode {
  const cid = v.def.id;
  const vid = `${cid}/db:${vh.name}`;
  const current = vh.name === s.currentVhost;
  const items = current ? v.drift?.items ?? [] : [];
  const queues = queueNodes(v, vid, vh, current, false);
  const tables: TreeNode[] = [];
  const exNames = new Set<string>();
  const queuesByName = new Map(vh.queues.map((q) => [q.name, q]));
  for (const x of [...vh.exchanges].sort((a, b) => a.name.localeCompare(b.name))) {
    exNames.add(x.name);
    const n = exchangeNode(v, vid, vh.name, x, items, queuesByName, current);
    const base = exchangeDescription(x);
    const full = n.description ?? '';
    const rest = base ? full.slice(base.length) : full ? ` — ${full}` : '';
    tables.push({ ...n, label: `_kombu.binding.${x.name}`, description: [base, plural(x.bindings.length, 'row')].filter(Boolean).join(' · ') + rest });
  }
  const ghostEx = new Set(items.filter((i) => i.exchange && !exNames.has(i.exchange) && i.code === 'missing-binding').map((i) => i.exchange!));
  for (const name of [...ghostEx].sort()) {
    const n = exchangeNode(v, vid, vh.name, { name, type: null, durable: null, autoDelete: null, internal: null, arguments: {}, bindings: [] }, items, queuesByName, current, true);
    tables.push({ ...n, label: `_kombu.binding.${name}` });
  }
  const children = [group(vid, cid, 'queues', 'Queues', queues, 'inbox', true), group(vid, cid, 'bindings', 'Bindings', tables, 'references', false)];
  children.push({
    id: `${vid}/unacked`, kind: 'unacked', label: 'unacked', description: vh.unackedTotal === null ? 'unknown' : `${plural(vh.unackedTotal, 'message')} delivered, not yet acknowledged (all queues)`,
    tooltip: "kombu's `unacked` hash: messages a worker has taken but not acknowledged. Restored to their queue when the worker's visibility timeout passes.",
    icon: { id: 'watch' }, collapsible: 'none', children: [], contextValue: 'unacked', drift: [], connectionId: cid, vhost: vh.name, name: 'unacked',
  });
  return {
    id: vid, kind: 'vhost', label: `db ${vh.name}`, description: [current ? 'current' : '', plural(vh.queues.length, 'queue')].filter(Boolean).join(' · '),
    icon: { id: 'database' }, collapsible: 'expanded', children, contextValue: contextValue('vhost', { current }), drift: [], connectionId: cid, vhost: vh.name, name: vh.name,
  };
}

/** Depth-first search of a subtree. */
export function findNode(roots: readonly TreeNode[], pred: (n: TreeNode) => boolean): TreeNode | undefined {
  for (const r of roots) {
    if (pred(r)) return r;
    const f = findNode(r.children, pred);
    if (f) return f;
  }
  return undefined;
}

/** Every node (depth first). */
export function allNodes(roots: readonly TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (n: TreeNode) => {
    out.push(n);
    n.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}
