import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  brokerTitle, buildConnections, defaultReadOnly, effectiveReadOnly, isLocalHost, secretKey, stripPassword, userSettingFor,
  validateBrokerInput, withPassword,
} from '../../../client/src/explorer/connections';

test('stripPassword removes only the password, keeping user, host, path and query', () => {
  assert.deepEqual(stripPassword('amqp://app:s3cret@rabbit:5672/prod?heartbeat=10'), { url: 'amqp://app@rabbit:5672/prod?heartbeat=10', password: 's3cret' });
  assert.deepEqual(stripPassword('redis://:pw@cache:6379/1'), { url: 'redis://cache:6379/1', password: 'pw' });
  assert.deepEqual(stripPassword('amqp://guest@localhost//'), { url: 'amqp://guest@localhost//', password: null });
  assert.deepEqual(stripPassword('amqp://u:p%40ss@h/'), { url: 'amqp://u@h/', password: 'p@ss' });
  // '@' inside the path is not userinfo
  assert.deepEqual(stripPassword('amqp://h:5672/v@x'), { url: 'amqp://h:5672/v@x', password: null });
});

test('withPassword puts the stored password back (encoded), for connecting only', () => {
  assert.equal(withPassword('amqp://app@rabbit:5672/prod', 'p@ss word'), 'amqp://app:p%40ss%20word@rabbit:5672/prod');
  assert.equal(withPassword('redis://cache:6379/1', 'pw'), 'redis://:pw@cache:6379/1');
  assert.equal(withPassword('amqp://rabbit//', 'pw'), 'amqp://guest:pw@rabbit//');
  assert.equal(withPassword('amqp://app@rabbit//', null), 'amqp://app@rabbit//');
  const round = stripPassword(withPassword('amqp://app@h:1/v', 'x:y@z'));
  assert.deepEqual(round, { url: 'amqp://app@h:1/v', password: 'x:y@z' });
});

test('local hosts are recognised; everything else starts read-only', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'foo.localhost']) assert.equal(isLocalHost(h), true, h);
  for (const h of ['rabbit', 'prod.example.com', '10.0.0.5', '192.168.1.2']) assert.equal(isLocalHost(h), false, h);
  assert.equal(defaultReadOnly('amqp://guest@localhost//'), false);
  assert.equal(defaultReadOnly('redis://127.0.0.1:6379/0'), false);
  assert.equal(defaultReadOnly('amqp://guest@rabbitmq.prod//'), true);
  assert.equal(defaultReadOnly('not a url'), true);
});

test('buildConnections: config URLs then user ones, de-duplicated, passwords never in url/redacted/label', () => {
  const list = buildConnections(
    [
      { app: 'proj.celery:app', url: 'amqp://app:s3cret@localhost:5672//', redacted: 'amqp://app:***@localhost:5672//' },
      { app: 'proj.celery:app', url: 'amqp://app:s3cret@localhost:5672//' },
      { app: 'other:app', unknown: 'from environment variable BROKER_URL' },
    ],
    [
      { url: 'redis://cache.internal:6379/2', name: 'Cache' },
      { url: 'amqp://ops:hunter2@localhost//', readOnly: true },
      { url: 'redis://cache.internal:6379/2' },
      { url: '' },
    ],
  );
  assert.deepEqual(list.map((c) => c.id), [
    'config:amqp://app@localhost:5672//', 'config:other:app:unknown', 'user:redis://cache.internal:6379/2', 'user:amqp://ops@localhost//',
  ]);
  const [cfg, unknown, cache, ops] = list;
  assert.equal(cfg.configPassword, 's3cret');
  assert.equal(cfg.readOnly, false);
  assert.equal(cfg.kind, 'rabbitmq');
  assert.equal(unknown.readOnly, true);
  assert.match(unknown.problem ?? '', /BROKER_URL/);
  assert.equal(cache.label, 'Cache');
  assert.equal(cache.readOnly, true, 'remote hosts start read-only');
  assert.equal(ops.readOnly, true, 'explicit setting wins');
  for (const c of list) {
    const shown = JSON.stringify({ url: c.url, redacted: c.redacted, label: c.label, id: c.id });
    assert.ok(!shown.includes('s3cret') && !shown.includes('hunter2'), shown);
  }
});

test('effectiveReadOnly: runtime overrides win; a connection without URL is always read-only', () => {
  const [c] = buildConnections([], [{ url: 'amqp://guest@rabbit.prod//' }]);
  assert.equal(effectiveReadOnly(c, {}), true);
  assert.equal(effectiveReadOnly(c, { [c.id]: false }), false);
  const [u] = buildConnections([{ app: 'a' }], []);
  assert.equal(effectiveReadOnly(u, { [u.id]: false }), true);
});

test('userSettingFor moves the password out of the setting', () => {
  const r = userSettingFor('amqp://me:pw@rabbit.example.com:5672/v', ' Prod ');
  assert.deepEqual(r, { setting: { url: 'amqp://me@rabbit.example.com:5672/v', readOnly: true, name: 'Prod' }, password: 'pw' });
  assert.equal(userSettingFor('redis://localhost:6379/0').setting.readOnly, false);
});

test('validateBrokerInput explains bad URLs without echoing the password', () => {
  assert.equal(validateBrokerInput('amqp://localhost//'), undefined);
  assert.match(validateBrokerInput('') ?? '', /Enter a broker URL/);
  const m = validateBrokerInput('sqs://key:topsecret@queue') ?? '';
  assert.match(m, /Unsupported/);
  assert.ok(!m.includes('topsecret'));
});

test('secretKey does not depend on the password; brokerTitle is short and safe', () => {
  assert.equal(secretKey('amqp://a:x@h//'), secretKey('amqp://a@h//'));
  assert.equal(brokerTitle('amqp://a@h:5672/prod'), 'RabbitMQ h:5672 prod');
  assert.equal(brokerTitle('redis://cache:6380/3'), 'Redis cache:6380 db 3');
});
