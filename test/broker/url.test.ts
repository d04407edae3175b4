import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError } from '../../server/src/broker/errors';
import { formatBrokerUrl, managementUrl, parseBrokerUrl, redactUrl } from '../../server/src/broker/url';

test('amqp URL: vhost `//` is "/", default port and guest credentials', () => {
  const u = parseBrokerUrl('amqp://guest:guest@localhost:5672//');
  assert.equal(u.kind, 'rabbitmq');
  assert.equal(u.vhost, '/');
  assert.equal(u.port, 5672);
  assert.equal(parseBrokerUrl('amqp://h').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://h/').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://h/%2F').vhost, '/');
  assert.equal(parseBrokerUrl('amqp://h/prod').vhost, 'prod');
  assert.equal(parseBrokerUrl('amqp://h/a%2Fb').vhost, 'a/b');
  const d = parseBrokerUrl('pyamqp://rabbit');
  assert.equal(d.username, 'guest');
  assert.equal(d.password, 'guest');
  assert.equal(d.port, 5672);
  assert.equal(parseBrokerUrl('librabbitmq://h:1234//').port, 1234);
});

test('amqps: TLS, port 5671, management https :15671; amqp → http :15672', () => {
  const s = parseBrokerUrl('amqps://u:p@rabbit.example.com/v');
  assert.equal(s.tls, true);
  assert.equal(s.port, 5671);
  assert.equal(managementUrl(s), 'https://rabbit.example.com:15671');
  assert.equal(managementUrl(parseBrokerUrl('amqp://u:p@10.0.0.5:5673//')), 'http://10.0.0.5:15672');
  assert.equal(managementUrl(parseBrokerUrl('amqp://h//'), 'http://admin:secret@mgmt:8080/'), 'http://mgmt:8080');
});

test('redis URLs: db, password, rediss, redis+socket', () => {
  const r = parseBrokerUrl('redis://:s3cret@cache:6380/3');
  assert.equal(r.kind, 'redis');
  assert.equal(r.db, 3);
  assert.equal(r.port, 6380);
  assert.equal(r.password, 's3cret');
  assert.equal(parseBrokerUrl('redis://localhost').db, 0);
  assert.equal(parseBrokerUrl('redis://localhost').port, 6379);
  assert.equal(parseBrokerUrl('rediss://h/1').tls, true);
  const s = parseBrokerUrl('redis+socket:///var/run/redis.sock?virtual_host=5');
  assert.equal(s.socketPath, '/var/run/redis.sock');
  assert.equal(s.db, 5);
  assert.throws(() => parseBrokerUrl('redis://h/notanumber'), (e: unknown) => e instanceof BrokerError && e.code === 'invalid-url');
});

test('unsupported transports get a clear message', () => {
  assert.throws(() => parseBrokerUrl('sentinel://:pw@s1:26379;sentinel://s2:26379'), (e: unknown) =>
    e instanceof BrokerError && e.code === 'unsupported' && /Sentinel/.test(e.message) && !e.message.includes('pw'));
  assert.throws(() => parseBrokerUrl('sqs://key:secret@'), (e: unknown) =>
    e instanceof BrokerError && e.code === 'unsupported' && /sqs/.test(e.message) && !e.message.includes('secret'));
  assert.throws(() => parseBrokerUrl(''), (e: unknown) => e instanceof BrokerError && e.code === 'invalid-url');
  assert.throws(() => parseBrokerUrl('localhost:5672'), (e: unknown) => e instanceof BrokerError && e.code === 'invalid-url');
});

test('redactUrl always hides the password', () => {
  assert.equal(redactUrl('amqp://guest:guest@host//'), 'amqp://guest:***@host//');
  assert.equal(redactUrl('redis://:hunter2@h:6379/0'), 'redis://:***@h:6379/0');
  assert.equal(redactUrl('amqp://user@host//'), 'amqp://user@host//');
  assert.equal(redactUrl('amqp://host//'), 'amqp://host//');
  const odd = redactUrl('amqp://u:p@ss/w@rd@host:5672/v');
  assert.ok(!odd.includes('rd@') && !odd.includes('p@ss'), odd);
  assert.equal(redactUrl('amqp://a:x@h1//;amqp://b:y@h2//'), 'amqp://a:***@h1//;amqp://b:***@h2//');
  assert.equal(redactUrl('redis://h/0?password=abc&x=1'), 'redis://h/0?password=***&x=1');
  const p = parseBrokerUrl('amqp://bob:t0p%40secret@h/v');
  assert.equal(p.password, 't0p@secret');
  assert.ok(!p.redacted.includes('secret'));
});

test('failover lists use the first URL', () => {
  const u = parseBrokerUrl('amqp://a:1@h1//;amqp://b:2@h2//');
  assert.equal(u.host, 'h1');
  assert.equal(u.alternates, 1);
});

test('formatBrokerUrl round-trips vhosts and dbs', () => {
  const u = parseBrokerUrl('amqp://guest:guest@127.0.0.1:5672//');
  assert.equal(parseBrokerUrl(formatBrokerUrl(u, { vhost: 'a/b' })).vhost, 'a/b');
  assert.equal(parseBrokerUrl(formatBrokerUrl(u)).vhost, '/');
  assert.equal(parseBrokerUrl(formatBrokerUrl(parseBrokerUrl('redis://h/2'), { db: 7 })).db, 7);
});
