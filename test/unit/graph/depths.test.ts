// Queue depths for the routing map's badges, from the broker explorer's latest snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerSnapshot, QueueSnapshot } from '../../../server/src/broker/snapshot';
import { depthsFrom, routingMapCsp } from '../../../client/src/routingMapData';

const queue = (name: string, ready: number, unacked: number | null, exists = true): QueueSnapshot => ({
  name, type: 'classic', exists, durable: true, autoDelete: false, exclusive: false, arguments: {}, state: 'running',
  messagesReady: ready, messagesUnacknowledged: unacked, consumers: 1, rates: null,
});
const snapshot = (queues: QueueSnapshot[], listsAllQueues: boolean): BrokerSnapshot => ({
  kind: 'rabbitmq', url: 'amqp://guest:***@localhost//', takenAt: '2024-01-01T00:00:00Z', server: { product: 'RabbitMQ', version: '3.12' },
  source: 'management-api', capabilities: { exchangeTypes: true, bindings: true, consumers: true, queueArguments: true, listsAllQueues },
  currentVhost: '/', vhosts: [{ name: '/', exchanges: [], queues, unackedTotal: null }, { name: 'other', exchanges: [], queues: [queue('emails', 99, 0)], unackedTotal: null }], warnings: [],
});

test('depths: ready and unacked per queue of the current vhost; missing ones only when the broker lists all', () => {
  const names = ['payments', 'emails', 'reports'];
  assert.deepEqual(depthsFrom(snapshot([queue('payments', 42, 3), queue('celery', 1, 0)], true), names), { payments: { ready: 42, unacked: 3 }, emails: null, reports: null });
  // Passive checks (AMQP fallback): unknown queues are left out, a failed check says missing.
  assert.deepEqual(depthsFrom(snapshot([queue('payments', 0, null), queue('reports', 0, null, false)], false), names), { payments: { ready: 0, unacked: null }, reports: null });
  assert.equal(depthsFrom(undefined, names), null);
});

test('the webview CSP allows nothing but the nonce and the webview itself', () => {
  const csp = routingMapCsp('https://file+.vscode-resource.vscode-cdn.net', 'N0NCE');
  assert.match(csp, /^default-src 'none';/);
  assert.match(csp, /script-src 'nonce-N0NCE';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});
