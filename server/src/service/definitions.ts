/**
 * The project's side of RabbitMQ definitions: which vhost the app uses, the config topology drift compares
 * (what a worker without -Q declares), and the definitions the config implies (`celery-routing definitions`).
 */
import type { Project } from './project';
import type { ResolvedSettings } from '../routing/settings';
import type { ConfigTopology } from '../broker/drift';
import type { Loc } from '../model/types';
import { expandQueues, declaredBindings, declaredExchange, newMissingQueue, type ExpandedQueues, type XExchange, type XQueue } from '../routing';
import { queueDeclareArgs } from '../routing/queues';
import { parseBrokerUrl } from '../broker/url';

/** The vhost of the app's broker_url; '/' when unset, unknown or not RabbitMQ. */
export function appVhost(settings: ResolvedSettings): string {
  const v = settings.get('broker_url').value;
  if (v.kind !== 'str') return '/';
  try {
    const u = parseBrokerUrl(v.value.split(';')[0].trim());
    return u.kind === 'rabbitmq' && u.vhost ? u.vhost : '/';
  } catch { return '/'; }
}

/** What drift compares: the queues a worker declares, with where each queue and exchange is written. */
export interface LocatedTopology extends ConfigTopology {
  queueLocs: Map<string, Loc | undefined>;
  exchangeLocs: Map<string, Loc | undefined>;
}

export function workerTopology(eq: ExpandedQueues): LocatedTopology {
  const t: LocatedTopology = { queues: [], exchanges: [], queueLocs: new Map(), exchangeLocs: new Map() };
  for (const q of eq.list) {
    if (q.noDeclare) continue;
    t.queueLocs.set(q.name, q.loc);
    const ex = declaredExchange(q, 'worker');
    for (const x of [ex, ...q.bindings.map((b) => b.exchange)]) if (x?.name && !t.exchangeLocs.has(x.name)) t.exchangeLocs.set(x.name, x.loc ?? q.loc);
    t.queues.push({
      name: q.name, alias: q.alias, broadcast: q.broadcast || undefined,
      exchange: ex ? { name: ex.name, type: ex.type } : null, routingKey: q.routingKey,
      bindings: declaredBindings(q).filter((b) => !b.implicit).map((b) => ({ exchange: b.exchange, exchangeType: b.exchangeType, routingKey: b.routingKey, arguments: b.arguments })),
      queueArguments: queueDeclareArgs(q), routedTo: true, consumedBy: [],
    });
  }
  return t;
}

export interface ImpliedDefinitions {
  vhosts: Array<{ name: string }>;
  exchanges: Array<{ name: string; vhost: string; type: string; durable: boolean; auto_delete: boolean; internal: boolean; arguments: Record<string, unknown> }>;
  queues: Array<{ name: string; vhost: string; durable: boolean; auto_delete: boolean; arguments: Record<string, unknown> }>;
  bindings: Array<{ source: string; vhost: string; destination: string; destination_type: 'queue'; routing_key: string; arguments: Record<string, unknown> }>;
}

/**
 * What the config puts on the broker: every queue a worker without -Q declares, plus the queues sends
 * auto-create (create_missing). Items carry their vhost: RabbitMQ 3.10's `rabbitmqctl import_definitions`
 * has no vhost scope and skips items without one. Broadcast queues (per-worker `bcast.<uuid>`) are left out;
 * their fanout exchange is kept. Also returns notes (406 conflicts: the first declaration wins, as on a broker).
 */
export function impliedDefinitions(p: Project, vhost: string): { definitions: ImpliedDefinitions; notes: string[] } {
  const out: ImpliedDefinitions = { vhosts: [{ name: vhost }], exchanges: [], queues: [], bindings: [] };
  const notes: string[] = [];
  const app = p.appFor();
  if (!app) return { definitions: out, notes: ['no Celery app: nothing to declare'] };
  const list: XQueue[] = [...expandQueues(app.config).list];
  const seen = new Set(list.map((q) => q.name));
  const routes = [...p.tasks.map((t) => p.route({ task: t.name })), ...p.calls.map((c) => p.routeCall(c))];
  for (const r of routes) for (const n of r?.autoCreated ?? []) if (!seen.has(n)) { seen.add(n); list.push(newMissingQueue(n)); }
  const exchanges = new Map<string, XExchange>();
  const addExchange = (x: XExchange | null) => {
    if (!x || !x.name || x.name.startsWith('amq.')) return;
    const prev = exchanges.get(x.name);
    if (prev && prev.type !== x.type) notes.push(`exchange '${x.name}' is declared as ${prev.type} and as ${x.type}: kept ${prev.type} (the second declaration fails with 406)`);
    if (!prev) exchanges.set(x.name, x);
  };
  const bound = new Set<string>();
  for (const q of list) {
    if (q.noDeclare) continue;
    addExchange(declaredExchange(q, 'worker'));
    for (const b of q.bindings) addExchange(b.exchange);
    if (q.broadcast) continue;
    out.queues.push({ name: q.name, vhost, durable: q.durable, auto_delete: q.autoDelete, arguments: queueDeclareArgs(q) });
    for (const b of declaredBindings(q, 'worker')) {
      const key = JSON.stringify([b.exchange, q.name, b.routingKey, b.arguments ?? {}]);
      if (b.implicit || bound.has(key)) continue;
      bound.add(key);
      out.bindings.push({ source: b.exchange, vhost, destination: q.name, destination_type: 'queue', routing_key: b.routingKey, arguments: b.arguments ?? {} });
    }
  }
  out.exchanges = [...exchanges.values()].map((x) => ({ name: x.name, vhost, type: x.type, durable: x.durable, auto_delete: x.autoDelete, internal: false, arguments: x.arguments ?? {} }));
  return { definitions: out, notes };
}
