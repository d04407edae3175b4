import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  decodeCeleryMessage, decodeKombuEnvelope, encodeCeleryTask, encodeKombuEnvelope, pyRepr,
} from '../../server/src/broker/celeryMessage';

// A real list item written by Celery 5.2.6 / kombu 5.2.4 (apply_async((1, 2), {'z': 3}, queue='hipri', priority=5)).
const REAL_REDIS_ITEM = '{"body": "W1sxLCAyXSwgeyJ6IjogM30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d", "content-encoding": "utf-8", "content-type": "application/json", "headers": {"lang": "py", "task": "proj.add", "id": "0041abce-a06b-4491-9109-72ae512649dd", "shadow": null, "eta": null, "expires": null, "group": null, "group_index": null, "retries": 0, "timelimit": [null, null], "root_id": "0041abce-a06b-4491-9109-72ae512649dd", "parent_id": null, "argsrepr": "(1, 2)", "kwargsrepr": "{\'z\': 3}", "origin": "gen9681@vm", "ignore_result": false}, "properties": {"correlation_id": "0041abce-a06b-4491-9109-72ae512649dd", "reply_to": "542f4956-d5d5-3d27-901c-b176fdfad306", "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": "hipri"}, "priority": 5, "body_encoding": "base64", "delivery_tag": "de53895c-adaa-4839-b2d4-6eda81c06b31"}}';

test('decodes a real kombu Redis envelope (protocol 2)', () => {
  const m = decodeKombuEnvelope(REAL_REDIS_ITEM);
  assert.equal(m.protocol, 2);
  assert.equal(m.task, 'proj.add');
  assert.equal(m.id, '0041abce-a06b-4491-9109-72ae512649dd');
  assert.deepEqual(m.args, [1, 2]);
  assert.deepEqual(m.kwargs, { z: 3 });
  assert.equal(m.argsPreview, '(1, 2)');
  assert.equal(m.kwargsPreview, "{'z': 3}");
  assert.equal(m.priority, 5);
  assert.equal(m.retries, 0);
  assert.equal(m.routingKey, 'hipri');
  assert.equal(m.redelivered, false);
  assert.equal(m.bodyNote, null);
});

test('protocol 1 body', () => {
  const body = JSON.stringify({ task: 'old.task', id: 'abc', args: [1], kwargs: { a: 'x' }, retries: 2, eta: '2030-01-01T00:00:00', expires: null });
  const m = decodeCeleryMessage({ body, contentType: 'application/json', redelivered: true });
  assert.equal(m.protocol, 1);
  assert.equal(m.task, 'old.task');
  assert.equal(m.retries, 2);
  assert.equal(m.eta, '2030-01-01T00:00:00');
  assert.equal(m.argsPreview, '(1,)');
  assert.equal(m.kwargsPreview, "{'a': 'x'}");
  assert.equal(m.redelivered, true);
});

test('pickle and msgpack bodies are recognised, not decoded', () => {
  const p = decodeCeleryMessage({ body: Buffer.from([0x80, 0x04, 0x95]), contentType: 'application/x-python-serialize', headers: { task: 't', id: 'i' } });
  assert.equal(p.task, 't');
  assert.equal(p.bodyNote, 'pickled body (not decoded)');
  assert.equal(p.args, null);
  const mp = decodeCeleryMessage({ body: Buffer.from([0x93]), contentType: 'application/x-msgpack', headers: { task: 't', id: 'i', argsrepr: '(1,)' } });
  assert.equal(mp.bodyNote, 'msgpack body (not decoded)');
  assert.equal(mp.argsPreview, '(1,)');
});

test('zlib-compressed and YAML bodies decode', () => {
  const body = deflateSync(Buffer.from(JSON.stringify([[7], {}, {}])));
  const m = decodeCeleryMessage({ body, contentType: 'application/json', headers: { task: 't', id: 'i', compression: 'application/x-gzip' } });
  assert.deepEqual(m.args, [7]);
  const y = decodeCeleryMessage({ body: '- [1, 2]\n- {k: v}\n- {}\n', contentType: 'application/x-yaml', headers: { task: 't', id: 'i' } });
  assert.deepEqual(y.args, [1, 2]);
  assert.deepEqual(y.kwargs, { k: 'v' });
});

test('garbage never throws', () => {
  assert.equal(decodeKombuEnvelope('not json').protocol, null);
  assert.equal(decodeCeleryMessage({ body: '{"hello": 1}', contentType: 'application/json' }).bodyNote, 'not a Celery task message');
});

test('encode protocol 2 round-trips through the kombu envelope', () => {
  const enc = encodeCeleryTask({ task: 'proj.mul', args: [2, 'x', null, true], kwargs: { y: [1] }, priority: 7 });
  assert.match(enc.id, /^[0-9a-f-]{36}$/);
  assert.equal(enc.headers.argsrepr, "(2, 'x', None, True)");
  assert.equal(enc.headers.kwargsrepr, "{'y': [1]}");
  assert.equal(enc.headers.root_id, enc.id);
  assert.deepEqual(JSON.parse(enc.body.toString())[2], { callbacks: null, errbacks: null, chain: null, chord: null });
  const env = JSON.parse(encodeKombuEnvelope(enc, 'ex', 'rk'));
  assert.equal(env.properties.body_encoding, 'base64');
  assert.deepEqual(env.properties.delivery_info, { exchange: 'ex', routing_key: 'rk' });
  assert.equal(env['content-type'], 'application/json');
  const back = decodeKombuEnvelope(JSON.stringify(env));
  assert.equal(back.task, 'proj.mul');
  assert.equal(back.id, enc.id);
  assert.deepEqual(back.args, [2, 'x', null, true]);
  assert.equal(back.priority, 7);
});

test('pyRepr mirrors Python repr for JSON values', () => {
  assert.equal(pyRepr([1], true), '(1,)');
  assert.equal(pyRepr([], true), '()');
  assert.equal(pyRepr("it's"), '"it\'s"');
  assert.equal(pyRepr({ a: false }), "{'a': False}");
});
