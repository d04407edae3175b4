// Build a declare plan from the config topology (what Celery's worker would declare at start-up).

import type { ConfigTopology } from './drift';
import type { DeclarePlan, PlanBinding } from './types';

/** Exchanges RabbitMQ always has; never declared. */
export function isBuiltinExchange(name: string): boolean {
  return name === '' || name.startsWith('amq.');
}

export function planFromTopology(config: ConfigTopology): DeclarePlan {
  const exchanges = new Map<string, { name: string; type: string }>();
  const addExchange = (name: string, type: string | undefined) => {
    if (isBuiltinExchange(name) || exchanges.has(name)) return;
    exchanges.set(name, { name, type: type ?? 'direct' });
  };
  for (const e of config.exchanges) addExchange(e.name, e.type);
  const queues: DeclarePlan['queues'] = [];
  const bindings: PlanBinding[] = [];
  const seenBinding = new Set<string>();
  for (const q of config.queues) {
    if (q.exchange) addExchange(q.exchange.name, q.exchange.type);
    for (const b of q.bindings) addExchange(b.exchange, b.exchangeType);
    // Broadcast queues are per-worker auto-delete `bcast.<uuid>` queues: only their exchange is shared.
    if (q.broadcast) continue;
    queues.push({ name: q.name, durable: true, autoDelete: false, arguments: q.queueArguments });
    const rows = q.bindings.length
      ? q.bindings
      : q.exchange
        ? [{ exchange: q.exchange.name, exchangeType: q.exchange.type, routingKey: q.routingKey, arguments: undefined }]
        : [];
    for (const b of rows) {
      if (isBuiltinExchange(b.exchange) && b.exchange === '') continue;
      const rk = b.routingKey ?? '';
      const key = `${q.name}\u0000${b.exchange}\u0000${rk}`;
      if (seenBinding.has(key)) continue;
      seenBinding.add(key);
      bindings.push({ queue: q.name, exchange: b.exchange, routingKey: rk, arguments: b.arguments });
    }
  }
  return { exchanges: [...exchanges.values()], queues, bindings };
}
