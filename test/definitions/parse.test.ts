// Reading RabbitMQ definitions as RabbitMQ writes them: positions, vhosts, snapshot drift, deployed topology.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDefinitions, definitionsOf, definitionsSnapshot, deployedTopology, vhostsOf } from '../../server/src/broker/definitions';
import { computeDrift, DriftCode, type ConfigTopology } from '../../server/src/broker/drift';

// the shape `rabbitmqctl export_definitions` writes on 3.10 (keys sorted, one object per vhost item)
const EXPORT = `{
  "bindings": [
    {
      "arguments": {},
      "destination": "orders",
      "destination_type": "queue",
      "routing_key": "order.*",
      "source": "events",
      "vhost": "/"
    },
    {"arguments": {}, "destination": "audit.in", "destination_type": "exchange", "routing_key": "order.#", "source": "events", "vhost": "/"}
  ],
  "exchanges": [
    {"arguments": {}, "auto_delete": false, "durable": true, "name": "events", "type": "topic", "vhost": "/"},
    {"arguments": {}, "auto_delete": false, "durable": true, "internal": true, "name": "audit.in", "type": "fanout", "vhost": "/"},
    {"arguments": {}, "auto_delete": false, "durable": true, "name": "events", "type": "direct", "vhost": "other"}
  ],
  "policies": [
    {"vhost": "/", "name": "ae", "pattern": "^events$", "apply-to": "exchanges", "definition": {"alternate-exchange": "unrouted"}, "priority": 1}
  ],
  "queues": [
    {"arguments": {"x-max-priority": 10}, "auto_delete": false, "durable": true, "name": "orders", "type": "classic", "vhost": "/"},
    {"arguments": {}, "auto_delete": false, "durable": true, "name": "votes", "type": "quorum", "vhost": "/"}
  ],
  "rabbit_version": "3.10.8",
  "rabbitmq_version": "3.10.8",
  "vhosts": [{"limits": [], "metadata": {"description": "", "tags": []}, "name": "/"}, {"name": "other"}]
}
`;
const lineOf = (text: string, needle: string, from = 0) => text.slice(0, text.indexOf(needle, from)).split('\n').length - 1;

test('an export is read with every item and the line it is written on', () => {
  const d = parseDefinitions('/x/defs.json', EXPORT);
  assert.deepEqual(d.errors, []);
  assert.equal(d.version, '3.10.8');
  assert.deepEqual(vhostsOf(d).sort(), ['/', 'other']);
  const v = definitionsOf(d, '/');
  assert.deepEqual(v.exchanges.map((x) => `${x.name}:${x.type}:${x.internal}`), ['events:topic:false', 'audit.in:fanout:true']);
  assert.deepEqual(v.queues.map((q) => `${q.name}:${q.type}:${JSON.stringify(q.arguments)}`), ['orders:classic:{"x-max-priority":10}', 'votes:quorum:{}']);
  assert.deepEqual(v.bindings.map((b) => `${b.source}->${b.destinationType}:${b.destination}:${b.routingKey}`), ['events->queue:orders:order.*', 'events->exchange:audit.in:order.#']);
  assert.equal(v.policies[0].definition['alternate-exchange'], 'unrouted');
  // positions: an item at its name (a binding at its source), an argument at its key
  assert.equal(v.queues[0].loc.range.start.line, lineOf(EXPORT, '"name": "orders"'));
  assert.equal(v.bindings[0].loc.range.start.line, lineOf(EXPORT, '"source": "events"'));
  assert.equal(v.bindings[1].loc.range.start.line, lineOf(EXPORT, '"destination": "audit.in"'));
  assert.equal(d.locate(['queues', 0, 'arguments', 'x-max-priority']).range.start.line, lineOf(EXPORT, '"x-max-priority"'));
  assert.equal(definitionsOf(d, 'other').exchanges[0].type, 'direct');
});

test('syntax errors and malformed items are positioned; the rest is still read', () => {
  const text = '{\n  "queues": [\n    {"name": "a", "durable": true},\n    {"durable": true},\n    7\n  ],\n  "exchanges": {"name": "x"},\n  "bindings": [{"source": "", "destination": "a", "routing_key": "a"}]\n  oops\n}';
  const d = parseDefinitions('/x/bad.json', text);
  const at = d.errors.map((e) => `${e.loc.range.start.line}: ${e.message}`);
  assert.ok(at.includes("3: queues[1] needs a string 'name'"), at.join('\n'));
  assert.ok(at.includes('4: queues[2] must be an object'), at.join('\n'));
  assert.ok(at.includes("6: 'exchanges' must be an array"), at.join('\n'));
  assert.ok(at.some((e) => e.startsWith('8: RabbitMQ definitions:')), at.join('\n'));
  assert.deepEqual(d.queues.map((q) => q.name), ['a']);
  assert.equal(d.bindings[0].destinationType, 'queue', 'destination_type defaults to queue');
  assert.equal(d.queues[0].vhost, null, 'no vhost: a vhost-scoped export, applies to any vhost');
  assert.deepEqual(definitionsOf(d, 'anything').queues.map((q) => q.name), ['a']);
});

test('the definitions as a snapshot give the live drift codes', () => {
  const d = parseDefinitions('/x/defs.json', EXPORT);
  const config: ConfigTopology = {
    exchanges: [],
    queues: [
      // x-max-priority 5 here, 10 deployed → 406 at declare; 'events' is direct here, topic deployed
      { name: 'orders', exchange: { name: 'events', type: 'direct' }, routingKey: 'order.*', bindings: [], queueArguments: { 'x-max-priority': 5 }, routedTo: true, consumedBy: [] },
      { name: 'billing', exchange: { name: 'events', type: 'direct' }, routingKey: 'bill', bindings: [], routedTo: true, consumedBy: [] },
      { name: 'votes', exchange: null, routingKey: null, bindings: [], queueArguments: {}, routedTo: true, consumedBy: [] },
    ],
  };
  const r = computeDrift(config, definitionsSnapshot(d, '/'));
  const got = r.items.map((i) => `${i.code}:${i.queue ?? i.exchange}${i.argument ? `:${i.argument}` : ''}`).sort();
  assert.deepEqual(got, [
    `${DriftCode.ExchangeTypeMismatch}:events`,
    `${DriftCode.MissingQueue}:billing`,
    `${DriftCode.QueueArgumentMismatch}:orders:x-max-priority`,
    `${DriftCode.QueueArgumentMismatch}:votes:x-queue-type`,
  ]);
  assert.equal(r.vhost, '/');
});

test('the deployed topology: one vhost, queue type as x-queue-type, alternate exchanges from policies', () => {
  const t = deployedTopology(parseDefinitions('/x/defs.json', EXPORT), '/');
  assert.equal(t.vhost, '/');
  assert.deepEqual(t.queues.find((q) => q.name === 'votes')!.arguments, { 'x-queue-type': 'quorum' });
  assert.deepEqual(t.alternateExchangePolicies?.map((p) => `${p.pattern}=>${p.exchange}`), ['^events$=>unrouted']);
  assert.equal(t.exchanges.length, 2);
});
