import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Q, X, config, map, send } from './helpers';
import {
  topicMatch, redisListName, redisTopicPattern, redisTopicMatch, pyRepr, routeMessage, amqpRoute,
} from '../../../server/src/routing/index';
import { emptyBroker } from '../../../server/src/routing/amqp';

test('AMQP topic matching: * one word, # zero or more', () => {
  assert.equal(topicMatch('user.*', 'user.signup'), true);
  assert.equal(topicMatch('user.*', 'user.profile.updated'), false);
  assert.equal(topicMatch('order.#', 'order'), true);
  assert.equal(topicMatch('#', ''), true);
  assert.equal(topicMatch('a.#.b', 'a..b'), true); // checked on RabbitMQ 3.10
  assert.equal(topicMatch('*', 'a..b'), false);
  assert.equal(topicMatch('a.#.z', 'a.b.c.z'), true);
  assert.equal(topicMatch('user.*', 'user.*'), true);
});

test('Redis topic regexes (kombu key_to_pattern): * crosses dots, order.# does not match order', () => {
  assert.equal(redisTopicPattern('user.*'), '^user\\..*?[^\\.]$');
  assert.equal(redisTopicPattern('order.#'), '^order\\..*?$');
  assert.equal(redisTopicMatch(redisTopicPattern('user.*'), 'user.profile.updated'), true);
  assert.equal(redisTopicMatch(redisTopicPattern('order.#'), 'order'), false);
  assert.equal(redisTopicMatch('', 'anything'), true);
  assert.equal(redisTopicPattern('a-b.#'), '^a\\-b\\..*?$');
});

test('Redis priority sub-lists', () => {
  assert.deepEqual([0, 2, 3, 5, 6, 8, 9, 12, null].map((p) => redisListName('q', p)),
    ['q', 'q', 'q\x06\x163', 'q\x06\x163', 'q\x06\x166', 'q\x06\x166', 'q\x06\x169', 'q\x06\x169', 'q']);
});

test('pyRepr follows Python quoting', () => {
  assert.equal(pyRepr('a'), "'a'");
  assert.equal(pyRepr("it's"), '"it\'s"');
  assert.equal(pyRepr('a\'"b'), "'a\\'\"b'");
  assert.equal(pyRepr('say "hi"'), `'say "hi"'`);
  assert.equal(pyRepr('a\\b\tc\x01'), "'a\\\\b\\tc\\x01'");
  assert.equal(pyRepr('queue.é'), "'queue.é'");
});

test('unknown exchange → 404 on RabbitMQ, silently dropped on Redis', () => {
  const cfg = config();
  const t = send(cfg, 'x', { exchange: 'nowhere', routing_key: 'k' });
  assert.equal(t.brokerError, "404 NOT_FOUND - no exchange 'nowhere' in vhost '/'");
  assert.equal(t.dropped, false);
  assert.deepEqual(t.deliveredToRedis, []);
  assert.equal(t.droppedOnRedis, true);
  assert.equal(t.error, null);
});

test('headers x-match any / all against Celery headers; amq.* exchanges exist', () => {
  const hx = X('hx', 'headers');
  const cfg = config({
    queues: [
      Q('celery'),
      Q('h_all', hx, null, { bindingArguments: { 'x-match': 'all', task: 't', lang: 'py' } }),
      Q('h_any', hx, null, { bindingArguments: { 'x-match': 'any', task: 'other', lang: 'py' } }),
      Q('h_no', hx, null, { bindingArguments: { 'x-match': 'all', task: 'other', lang: 'py' } }),
      Q('amq', X('amq.topic', 'topic'), 'k.#'),
    ],
    routes: [map([['t', { queue: 'h_all' }]])],
  });
  assert.deepEqual(routeMessage(cfg, { task: 't', options: {}, via: 'apply_async' }).deliveredTo, ['h_all', 'h_any']);
  assert.deepEqual(send(cfg, 'x', { exchange: 'amq.topic', routing_key: 'k.1' }).deliveredTo, ['amq']);
  const b = emptyBroker();
  assert.deepEqual(amqpRoute(b, 'amq.fanout', 'x', {}).queues, []);
});

test('queue argument conflict on redeclare → 406 for the second declaration', () => {
  const cfg = config({ queues: [Q('celery'), Q('dup', null, null, { queueArguments: { 'x-max-priority': 5 } })] });
  // a Queue object with other arguments, declared by the producer
  const t = send(cfg, 'x', { queue: Q('dup', null, null, { queueArguments: { 'x-max-priority': 9 } }) });
  assert.match(t.brokerError ?? '', /^406 PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'dup'/);
});

test('results are cached per config object and stay identical', () => {
  const cfg = config({ routes: [map([['a.*', 'qa']])] });
  const one = send(cfg, 'a.b');
  const two = send(cfg, 'a.b');
  assert.deepEqual(one, two);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) send(cfg, `a.${i}`);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(ms < 2000, `2000 sends took ${ms} ms`);
});

test('topicMatch (with its fast paths for patterns without # or without wildcards) = the AMQP rule on 20,000 random pairs', () => {
  // the rule, written plainly: `*` one word, `#` zero or more words
  const rule = (p: string[], k: string[]): boolean => {
    if (!p.length) return !k.length;
    if (p[0] === '#') return rule(p.slice(1), k) || (k.length > 0 && rule(p, k.slice(1)));
    return k.length > 0 && (p[0] === '*' || p[0] === k[0]) && rule(p.slice(1), k.slice(1));
  };
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const words = ['a', 'b', '', 'ab'];
  for (let i = 0; i < 20000; i++) {
    const p = Array.from({ length: 1 + rnd(4) }, () => ['a', 'b', '*', '#', ''][rnd(5)]).join('.');
    const k = Array.from({ length: 1 + rnd(4) }, () => words[rnd(4)]).join('.');
    assert.equal(topicMatch(p, k), rule(p.split('.'), k.split('.')), `${p} vs ${k}`);
  }
});
