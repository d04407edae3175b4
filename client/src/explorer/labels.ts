/** Texts of the broker explorer's nodes. Pure. */
import type { DriftCode, DriftItem, DriftSeverity } from '../../../server/src/broker/drift';
import type { ExchangeSnapshot, QueueSnapshot } from '../../../server/src/broker/snapshot';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function rate(r: number | null | undefined): string | null {
  if (r === null || r === undefined || !Number.isFinite(r) || r <= 0) return null;
  return r >= 10 ? `${Math.round(r)}/s` : `${Math.round(r * 10) / 10}/s`;
}

/** x-max-priority of a queue, from its arguments. */
export function maxPriorityOf(q: Pick<QueueSnapshot, 'arguments'>): number | null {
  const v = q.arguments?.['x-max-priority'];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
  return n;
}

/** `12 ready · 3 unacked · 2 consumers · in 1.5/s · out 1.2/s · max-priority 10` */
export function queueDescription(q: QueueSnapshot): string {
  const parts: string[] = [];
  if (!q.exists) return q.type === 'list' ? 'no list, no binding row' : 'not on the broker';
  if (q.type === 'list') parts.push(plural(q.messagesReady, 'message'));
  else parts.push(`${q.messagesReady} ready`);
  if (q.messagesUnacknowledged !== null) parts.push(`${q.messagesUnacknowledged} unacked`);
  if (q.consumers !== null) parts.push(plural(q.consumers, 'consumer'));
  const pin = rate(q.rates?.publish);
  const pout = rate(q.rates?.deliver);
  if (pin) parts.push(`in ${pin}`);
  if (pout) parts.push(`out ${pout}`);
  const mp = maxPriorityOf(q);
  if (mp !== null) parts.push(`max-priority ${mp}`);
  if (q.type && q.type !== 'classic' && q.type !== 'list') parts.push(q.type);
  if (q.state && q.state !== 'running') parts.push(q.state);
  return parts.join(' · ');
}

/** `topic · durable` */
export function exchangeDescription(x: ExchangeSnapshot): string {
  const parts: string[] = [];
  const type = x.type ?? (x.typeHint === 'direct-or-fanout' ? 'direct/fanout rows' : x.typeHint === 'topic' ? 'topic rows' : x.typeHint === 'mixed' ? 'mixed rows' : null);
  if (type) parts.push(type);
  if (x.durable === true) parts.push('durable');
  else if (x.durable === false) parts.push('transient');
  if (x.autoDelete) parts.push('auto-delete');
  if (x.internal) parts.push('internal');
  return parts.join(' · ');
}

export function exchangeLabel(name: string): string {
  return name === '' ? '(AMQP default)' : name;
}

const SHORT: Record<DriftCode, (i: DriftItem) => string> = {
  'missing-queue': () => 'missing on broker',
  'missing-exchange': () => 'missing on broker',
  'missing-binding': (i) => `binding "${String(i.expected ?? '')}" missing`,
  'unexpected-queue': () => 'not in config',
  'exchange-type-mismatch': (i) => `type differs: config ${String(i.expected)}, broker ${i.actual === null || i.actual === undefined ? 'none' : String(i.actual)}`,
  'queue-argument-mismatch': (i) => `${i.argument ?? 'argument'} differs: config ${fmt(i.expected)}, broker ${fmt(i.actual)}`,
  'messages-no-consumers': (i) => `${typeof i.actual === 'number' ? i.actual : 'messages'} waiting, no consumer`,
  'unrouted-queue': () => 'nothing routes here',
};

function fmt(v: unknown): string {
  return v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** A few words for a drift item, shown after a node's description. */
export function driftShort(i: DriftItem): string {
  const f = SHORT[i.code];
  return f ? f(i) : i.code;
}

const RANK: Record<DriftSeverity, number> = { info: 0, warning: 1, error: 2 };

export function worstSeverity(items: readonly DriftItem[]): DriftSeverity | undefined {
  let w: DriftSeverity | undefined;
  for (const i of items) if (!w || RANK[i.severity] > RANK[w]) w = i.severity;
  return w;
}

export const SEVERITY_MARK: Record<DriftSeverity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };

/** `⚠ missing on broker; nothing routes here` */
export function driftSuffix(items: readonly DriftItem[]): string {
  const w = worstSeverity(items);
  if (!w) return '';
  return `${SEVERITY_MARK[w]} ${[...new Set(items.map(driftShort))].join('; ')}`;
}

export function joinDescription(...parts: Array<string | undefined | null | false>): string {
  return parts.filter((p): p is string => !!p).join(' — ');
}
