// Builders for RoutingConfig / QueueSpec / routes, mirroring how Python code writes them.
import type {
  ExchangeSpec, MapRouteEntry, QueueSpec, RouteOptions, RouteRequest, RouterSpec, RouteValue, RoutingConfig, TaskAttributes,
} from '../../../server/src/routing/types';
import { routeMessage } from '../../../server/src/routing/index';

export const X = (name: string, type = 'direct', extra: Partial<ExchangeSpec> = {}): ExchangeSpec => ({ name, type, ...extra });

/** kombu `Queue(name, exchange, routing_key, bindings=...)`. */
export function Q(name: string, exchange?: ExchangeSpec | null, routingKey?: string | null, extra: Partial<QueueSpec> = {}): QueueSpec {
  return { name, exchange: exchange ?? null, routingKey: routingKey ?? null, bindings: [], ...extra };
}

/** kombu `Broadcast(name)`. */
export const B = (alias: string, extra: Partial<QueueSpec> = {}): QueueSpec =>
  ({ name: 'bcast.<uuid>', alias, broadcast: true, exchange: null, routingKey: null, bindings: [], ...extra });

export function config(over: Partial<RoutingConfig> = {}): RoutingConfig {
  const defaultQueue = over.defaultQueue ?? 'celery';
  return {
    defaultQueue,
    defaultExchange: defaultQueue,
    defaultExchangeType: 'direct',
    defaultRoutingKey: defaultQueue,
    createMissingQueues: true,
    defaultPriority: null,
    queueMaxPriority: null,
    queues: null,
    routes: null,
    transport: 'amqp',
    ...over,
  };
}

export type PyRoute = string | RouteOptions | null | '' | { $queue: QueueSpec } | { $unknown: string };

export function value(v: PyRoute): RouteValue {
  if (v === null) return { kind: 'none' };
  if (v === '') return { kind: 'empty' };
  if (typeof v === 'string') return { kind: 'string', queue: v };
  if ('$queue' in v) return { kind: 'queue-object', queue: v.$queue as QueueSpec };
  if ('$unknown' in v) return { kind: 'unknown', reason: v.$unknown as string };
  const o = v as RouteOptions;
  return Object.keys(o).length ? { kind: 'options', options: o } : { kind: 'empty' };
}

/** A dict router: `{'name': route, 're:pat': route}` (keys starting with `re:` are re.compile). */
export function map(entries: [string, PyRoute][]): RouterSpec {
  return {
    kind: 'map',
    entries: entries.map(([k, v]): MapRouteEntry => ({
      key: k.startsWith('re:') ? { kind: 'regex', pattern: k.slice(3) } : k.includes('*') ? { kind: 'glob', glob: k } : { kind: 'exact', name: k },
      value: value(v),
    })),
  };
}

export function send(cfg: RoutingConfig, task: string, options: RouteOptions = {}, taskAttributes?: TaskAttributes, via: RouteRequest['via'] = 'apply_async') {
  return routeMessage(cfg, { task, options, taskAttributes, via });
}
