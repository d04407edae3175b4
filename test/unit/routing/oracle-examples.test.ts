// The two reference cases of the oracle (examples/c01_conf_attrs_direct, c07_topic_wildcards),
// translated by hand; expected values copied from expected.route.json / expected.broker.json
// (RabbitMQ) / expected.redis.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Q, X, config, map, send } from './helpers';
import type { RouteOptions, TaskAttributes } from '../../../server/src/routing/types';

interface Exp { task: string; options?: RouteOptions; attrs?: TaskAttributes; via?: 'send_task'; queue: string; exchange: string; rk: string; declare: string[]; rabbit: string[]; redis: string[] }

const check = (cfg: ReturnType<typeof config>, calls: Exp[]) => {
  calls.forEach((c, i) => {
    const t = send(cfg, c.task, c.options ?? {}, c.attrs, c.via ?? 'apply_async');
    const got = { queue: t.queue, exchange: t.exchange, rk: t.routingKey, declare: t.publish?.declare, rabbit: t.deliveredTo, redis: t.deliveredToRedis, error: t.error, priority: t.priority };
    assert.deepEqual(got, { queue: c.queue, exchange: c.exchange, rk: c.rk, declare: c.declare, rabbit: c.rabbit, redis: c.redis, error: null, priority: null }, `call ${i} ${c.task}`);
    assert.equal(t.dropped, c.rabbit.length === 0, `call ${i} dropped`);
    assert.equal(t.droppedOnRedis, c.redis.length === 0, `call ${i} droppedOnRedis`);
  });
};

test('c01_conf_attrs_direct: direct queues, decorator queue, apply_async queue, send_task', () => {
  // app.conf.task_default_queue = 'default'; three Queue(n, Exchange(n), routing_key=n)
  const cfg = config({
    defaultQueue: 'default',
    queues: ['default', 'emails', 'reports'].map((n) => Q(n, X(n), n)),
    routes: [map([
      ['shop.emails.send_receipt', { queue: 'emails' }],
      ['shop.emails.send_newsletter', { queue: 'emails', routing_key: 'emails' }],
      ['shop.reports.nightly_sales', { queue: 'reports' }],
    ])],
  });
  const d = (task: string, q: string, extra: Partial<Exp> = {}): Exp => ({ task, queue: q, exchange: '', rk: q, declare: [q], rabbit: [q], redis: [q], ...extra });
  check(cfg, [
    d('shop.emails.send_receipt', 'emails'),
    d('shop.emails.send_newsletter', 'emails'),
    d('shop.reports.nightly_sales', 'reports'),
    d('shop.orders.cancel', 'default'),
    d('shop.reports.nightly_sales', 'emails', { options: { queue: 'emails' } }),
    d('shop.orders.reserve_stock', 'reports', { attrs: { queue: 'reports' } }),
    d('shop.orders.reserve_stock', 'default', { attrs: { queue: 'reports' }, options: { queue: 'default' } }),
    d('shop.emails.send_receipt', 'emails', { via: 'send_task' }),
  ]);
});

test('c07_topic_wildcards: topic patterns as routing keys, RabbitMQ vs Redis wildcards', () => {
  const events = X('events', 'topic');
  const cfg = config({
    defaultQueue: 'default',
    queues: [Q('default', X('default'), 'default'), Q('user_events', events, 'user.*'), Q('order_events', events, 'order.#'), Q('all_events', events, '#')],
    routes: [map([
      ['events.tasks.user_signed_up', { queue: 'user_events', routing_key: 'user.signup' }],
      ['events.tasks.user_profile_changed', { queue: 'user_events', routing_key: 'user.profile.updated' }],
      ['events.tasks.order_placed', { queue: 'order_events', routing_key: 'order.placed' }],
      ['events.tasks.order_generic', { queue: 'order_events', routing_key: 'order' }],
      ['events.tasks.user_default_key', { queue: 'user_events' }],
      ['events.tasks.audit_everything', { queue: 'all_events' }],
    ])],
  });
  const e = (task: string, queue: string, rk: string, rabbit: string[], redis: string[], options?: RouteOptions, declare = [queue]): Exp =>
    ({ task, queue, exchange: 'events', rk, declare, rabbit, redis, options });
  check(cfg, [
    e('events.tasks.user_signed_up', 'user_events', 'user.signup', ['all_events', 'user_events'], ['all_events', 'user_events']),
    e('events.tasks.user_profile_changed', 'user_events', 'user.profile.updated', ['all_events'], ['all_events', 'user_events']),
    e('events.tasks.order_placed', 'order_events', 'order.placed', ['all_events', 'order_events'], ['all_events', 'order_events']),
    e('events.tasks.order_generic', 'order_events', 'order', ['all_events', 'order_events'], ['all_events']),
    e('events.tasks.user_default_key', 'user_events', 'user.*', ['all_events', 'user_events'], ['all_events', 'user_events']),
    e('events.tasks.audit_everything', 'all_events', '#', ['all_events'], ['all_events']),
    e('events.tasks.misc', 'order_events', 'order.refund.created', ['all_events', 'order_events'], ['all_events', 'order_events'], { queue: 'order_events', routing_key: 'order.refund.created' }),
    e('events.tasks.misc', 'default', 'payment.failed', ['all_events'], [], { exchange: 'events', routing_key: 'payment.failed' }, ['default']),
  ]);
});
