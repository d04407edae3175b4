// Fixtures for the client's pure modules: broker snapshots and a config topology.
import type { ConfigTopology } from '../../../server/src/broker/drift';
import type { BrokerSnapshot, ExchangeSnapshot, QueueSnapshot } from '../../../server/src/broker/snapshot';
import type { ConnectionDef } from '../../../client/src/explorer/connections';
import type { TopologyQueue } from '../../../shared/protocol';

export function q(name: string, extra: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return {
    name, type: 'classic', exists: true, durable: true, autoDelete: false, exclusive: false, arguments: {}, state: 'running',
    messagesReady: 0, messagesUnacknowledged: 0, consumers: 1, rates: null, ...extra,
  };
}

export function x(name: string, type: string | null, bindings: Array<[string, string]> = [], extra: Partial<ExchangeSnapshot> = {}): ExchangeSnapshot {
  return {
    name, type, durable: true, autoDelete: false, internal: false, arguments: {},
    bindings: bindings.map(([dest, rk]) => ({ exchange: name, destination: dest, destinationType: 'queue' as const, routingKey: rk, arguments: {} })),
    ...extra,
  };
}

export function rabbit(exchanges: ExchangeSnapshot[], queues: QueueSnapshot[]): BrokerSnapshot {
  return {
    kind: 'rabbitmq', url: 'amqp://app:***@localhost:5672//', takenAt: '2025-01-01T00:00:00Z', server: { product: 'RabbitMQ', version: '3.13.1' },
    source: 'management-api',
    capabilities: { exchangeTypes: true, bindings: true, consumers: true, queueArguments: true, listsAllQueues: true },
    currentVhost: '/', vhosts: [{ name: '/', exchanges, queues, unackedTotal: 3 }], warnings: [],
  };
}

export function redis(): BrokerSnapshot {
  return {
    kind: 'redis', url: 'redis://:***@localhost:6379/0', takenAt: '', server: { product: 'Redis', version: '7.2.4' }, source: 'redis',
    capabilities: { exchangeTypes: false, bindings: true, consumers: false, queueArguments: false, listsAllQueues: true },
    currentVhost: '0',
    vhosts: [{
      name: '0',
      unackedTotal: 2,
      queues: [
        q('default', { type: 'list', messagesReady: 5, messagesUnacknowledged: null, consumers: null, durable: null, autoDelete: null, exclusive: null, priorityLengths: { '0': 3, '3': 2 } }),
        q('stray', { type: 'list', messagesReady: 1, messagesUnacknowledged: null, consumers: null, durable: null, autoDelete: null, exclusive: null }),
      ],
      exchanges: [{
        name: 'default', type: null, typeHint: 'direct-or-fanout', durable: null, autoDelete: null, internal: null, arguments: {},
        bindings: [{ exchange: 'default', destination: 'default', destinationType: 'queue', routingKey: 'default', arguments: {}, pattern: '' }],
      }],
    }],
    warnings: [],
  };
}

export const queues: TopologyQueue[] = [
  {
    name: 'default', exchange: { name: 'default', type: 'direct' }, routingKey: 'default', bindings: [{ exchange: 'default', routingKey: 'default' }],
    routedTo: true, consumedBy: ['w1'], declared: true, maxPriority: null, routedFrom: ['proj.tasks.add'],
    location: { uri: 'file:///p/celeryconfig.py', range: { start: { line: 3, character: 4 }, end: { line: 3, character: 30 } } },
  },
  {
    name: 'payments', exchange: { name: 'events', type: 'topic' }, routingKey: 'payment.#', bindings: [{ exchange: 'events', exchangeType: 'topic', routingKey: 'payment.#' }],
    queueArguments: { 'x-max-priority': 10 }, routedTo: true, consumedBy: ['w2'], declared: true, maxPriority: 10, routedFrom: ['proj.tasks.pay'],
  },
  {
    name: 'lonely', exchange: { name: 'default', type: 'direct' }, routingKey: 'lonely', bindings: [{ exchange: 'default', routingKey: 'lonely' }],
    routedTo: false, consumedBy: [], declared: true, maxPriority: null, routedFrom: [],
  },
];

export const config: ConfigTopology = { queues, exchanges: [{ name: 'events', type: 'topic' }, { name: 'default', type: 'direct' }] };

export function def(extra: Partial<ConnectionDef> = {}): ConnectionDef {
  return {
    id: 'config:amqp://app@localhost:5672//', label: 'RabbitMQ localhost:5672 /', url: 'amqp://app@localhost:5672//',
    redacted: 'amqp://app:***@localhost:5672//', kind: 'rabbitmq', source: 'config', readOnly: false, configPassword: 's3cret', ...extra,
  };
}
