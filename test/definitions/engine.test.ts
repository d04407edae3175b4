// The engine with the broker as deployed: deployed bindings deliver (exchange→exchange followed), deployed
// objects Celery re-declares differently → 406, and nothing changes without definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Q, X, config, map, send } from '../unit/routing/helpers';
import type { DeployedTopology } from '../../server/src/routing/types';

const loc = (line: number) => ({ file: '/defs.json', range: { start: { line, character: 4 }, end: { line, character: 20 } } });
const ex = (name: string, type: string, extra = {}) => ({ name, type, durable: true, autoDelete: false, internal: false, arguments: {}, ...extra });
const qu = (name: string, args = {}) => ({ name, durable: true, autoDelete: false, arguments: args });
const bq = (source: string, destination: string, routingKey: string, line = 0) => ({ source, destination, destinationType: 'queue' as const, routingKey, arguments: {}, loc: loc(line) });
const bx = (source: string, destination: string, routingKey: string, line = 0) => ({ source, destination, destinationType: 'exchange' as const, routingKey, arguments: {}, loc: loc(line) });

const events = X('events', 'topic');
const base = () => config({
  queues: [Q('celery'), Q('orders', events, 'order.*'), Q('urgent', X('urgent'), 'urgent', { queueArguments: { 'x-max-priority': 10 } })],
  routes: [map([['place', { exchange: 'events', exchange_type: 'topic', routing_key: 'order.placed' }], ['page', { queue: 'urgent' }]])],
});
const deployed = (over: Partial<DeployedTopology> = {}): DeployedTopology => ({
  vhost: '/',
  exchanges: [ex('events', 'topic'), ex('audit.in', 'fanout')],
  queues: [qu('audit'), qu('orders')],
  bindings: [bq('audit.in', 'audit', '', 11), bx('events', 'audit.in', 'order.#', 12)],
  ...over,
});

test('without definitions nothing changes: no binding steps, deployed-only exchanges do not exist', () => {
  const t = send(base(), 'place');
  assert.deepEqual(t.deliveredTo, ['orders']);
  assert.ok(!t.steps.some((s) => s.includes('gets it through')));
  assert.equal(send(base(), 'x', { exchange: 'audit.in', routing_key: 'k' }).brokerError, "404 NOT_FOUND - no exchange 'audit.in' in vhost '/'");
});

test('a deployed exchange→exchange binding delivers, and the trace says which binding (with its JSON line)', () => {
  const cfg = { ...base(), deployed: deployed() };
  const t = send(cfg, 'place');
  assert.deepEqual(t.deliveredTo, ['audit', 'orders']);
  const steps = t.steps.filter((s) => s.includes('gets it through'));
  assert.deepEqual(steps, [
    "RabbitMQ: 'audit' gets it through 'events' → exchange 'audit.in' (key 'order.#', from the definitions line 13), then 'audit.in' → 'audit' (key '', from the definitions line 12)",
    "RabbitMQ: 'orders' gets it through 'events' → 'orders' (key 'order.*', declared by Celery)",
  ]);
  // a deployed-only exchange exists for a send that names it
  assert.deepEqual(send(cfg, 'x', { exchange: 'audit.in', routing_key: 'k' }).deliveredTo, ['audit']);
  // the default exchange reaches a deployed-only queue by name
  assert.deepEqual(send(cfg, 'x', { exchange: '', routing_key: 'audit', exchange_type: 'topic' }).deliveredTo, ['audit']);
});

test('a deployed exchange of another type → 406 at declare: at worker start and for sends that declare it', () => {
  const cfg = { ...base(), deployed: deployed({ exchanges: [ex('events', 'direct')], bindings: [] }) };
  const t = send(cfg, 'place', {}, undefined, 'apply_async');
  // `place` routes by exchange only: Celery declares no queue, so it publishes into the direct exchange
  assert.equal(t.brokerError, null);
  assert.deepEqual(t.deliveredTo, []);
  const o = send(cfg, 'x', { queue: 'orders' });
  assert.ok(o.steps.some((s) => s.includes("the worker's declaration of 'orders' failed at start-up: 406")), o.steps.join('\n'));
  assert.equal(o.brokerError, "406 PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'events' in vhost '/': received 'topic' but current is 'direct'");
});

test('a deployed queue with another x-max-priority, x-queue-mode or x-queue-type → 406; unchecked arguments do not matter', () => {
  const d = (args: Record<string, unknown>) => ({ ...base(), deployed: deployed({ queues: [qu('urgent', args)], bindings: [] }) });
  assert.equal(send(d({ 'x-max-priority': 5 }), 'page').brokerError, "406 PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'urgent' in vhost '/': received '10' but current is '5'");
  assert.match(send(d({ 'x-max-priority': 10, 'x-queue-mode': 'lazy' }), 'page').brokerError ?? '', /inequivalent arg 'x-queue-mode'.*received none but current is 'lazy'/);
  assert.match(send(d({ 'x-max-priority': 10, 'x-queue-type': 'quorum' }), 'page').brokerError ?? '', /inequivalent arg 'x-queue-type'/);
  const ok = send(d({ 'x-max-priority': 10, 'x-queue-type': 'classic', 'x-foo': 1 }), 'page');
  assert.equal(ok.brokerError, null);
  assert.deepEqual(ok.deliveredTo, ['urgent']);
});

test('alternate exchanges (argument or policy) take what no binding matches; internal exchanges refuse publishes', () => {
  const ae = deployed({ exchanges: [ex('events', 'topic'), ex('unrouted', 'fanout')], queues: [qu('unrouted')], bindings: [bq('unrouted', 'unrouted', '')],
    alternateExchangePolicies: [{ pattern: '^ev', priority: 0, exchange: 'unrouted' }] });
  const t = send({ ...base(), deployed: ae }, 'x', { exchange: 'events', routing_key: 'nomatch' });
  assert.deepEqual(t.deliveredTo, ['unrouted']);
  assert.ok(t.steps.includes("RabbitMQ: 'unrouted' gets it through 'events' → its alternate exchange 'unrouted' (no binding matched), then 'unrouted' → 'unrouted' (key '', from the definitions line 1)"), t.steps.join('\n'));
  assert.deepEqual(send({ ...base(), deployed: ae }, 'place').deliveredTo, ['orders'], 'a matching binding: the alternate exchange is not used');
  const arg = deployed({ exchanges: [ex('lost', 'direct', { arguments: { 'alternate-exchange': 'unrouted' } }), ex('unrouted', 'fanout')], queues: [qu('unrouted')], bindings: [bq('unrouted', 'unrouted', '')] });
  assert.deepEqual(send({ ...base(), deployed: arg }, 'x', { exchange: 'lost', routing_key: 'k' }).deliveredTo, ['unrouted']);
  const internal = deployed({ exchanges: [ex('audit.in', 'fanout', { internal: true })] });
  assert.equal(send({ ...base(), deployed: internal }, 'x', { exchange: 'audit.in', routing_key: 'k' }).brokerError, "403 ACCESS_REFUSED - cannot publish to internal exchange 'audit.in' in vhost '/'");
});

test('errors name the deployed vhost', () => {
  const cfg = { ...base(), deployed: deployed({ vhost: 'prod' }) };
  assert.equal(send(cfg, 'x', { exchange: 'nowhere', routing_key: 'k' }).brokerError, "404 NOT_FOUND - no exchange 'nowhere' in vhost 'prod'");
});
