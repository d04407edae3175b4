// The bundled example projects (examples/django-shop, examples/events-app), opened the way every front
// end opens a workspace (openProject). Every expected value below was checked against real Celery 5.2.6
// (/usr/bin/python3): `app.amqp.router.route(...)` for the queue / exchange / routing key, and the
// RabbitMQ binding rules of the spec for where the message lands. See each example's README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openProject, type Project, type RouteCall } from '../../../server/src/service/project';
import { computeDiagnostics, type RoutingDiagnostic } from '../../../server/src/service/diagnostics';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const SHOP = path.join(EXAMPLES, 'django-shop');
const EVENTS = path.join(EXAMPLES, 'events-app');

const cache = new Map<string, Promise<Project>>();
const open = (root: string) => {
  if (!cache.has(root)) cache.set(root, openProject(root));
  return cache.get(root)!;
};

const rel = (p: Project, file: string) => path.relative(p.root, file).split(path.sep).join('/');
const sorted = (xs: string[]) => [...xs].sort();

/** 0-based line of the first occurrence of `needle` in a file of the example. */
function lineOf(root: string, file: string, needle: string): number {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.notEqual(i, -1, `'${needle}' not found in ${file}`);
  return i;
}

interface Expect { queue: string | null; exchange?: string | null; routingKey?: string | null; priority?: number | null; deliveredTo: string[]; consumers?: string[] }

/** Route one send and compare with what Celery does; `consumers` are the files of the consuming workers' commands. */
function expectRoute(p: Project, call: RouteCall, e: Expect) {
  const r = p.route(call);
  const what = `${call.task}${call.via === 'send_task' ? ' (send_task)' : ''}${call.options ? ' ' + JSON.stringify(call.options) : ''}`;
  assert.equal(r.error, null, `${what}: error`);
  assert.equal(r.queue, e.queue, `${what}: queue`);
  if (e.exchange !== undefined) assert.equal(r.exchange, e.exchange, `${what}: exchange`);
  if (e.routingKey !== undefined) assert.equal(r.routingKey, e.routingKey, `${what}: routing key`);
  if (e.priority !== undefined) assert.equal(r.priority, e.priority, `${what}: priority`);
  assert.deepEqual(sorted(r.deliveredTo), sorted(e.deliveredTo), `${what}: deliveredTo`);
  assert.equal(r.dropped, e.deliveredTo.length === 0, `${what}: dropped`);
  if (e.consumers) {
    const got = sorted([...new Set(r.consumers.map((c) => `${rel(p, c.worker.loc.file)}:${c.worker.loc.range.start.line + 1}`))]);
    assert.deepEqual(got, sorted(e.consumers), `${what}: consumers`);
  }
  return r;
}

const diagsIn = (p: Project, ds: RoutingDiagnostic[], file: string) => ds.filter((d) => rel(p, d.loc.file) === file);

// ---------------------------------------------------------------------------------------------------
// django-shop
// ---------------------------------------------------------------------------------------------------

test('django-shop: the app and every @shared_task / @app.task are found', async () => {
  const p = await open(SHOP);
  assert.deepEqual(p.apps.map((a) => a.id), ['shop.celery:app']);
  assert.deepEqual(sorted(p.tasks.map((t) => t.name)), [
    'emails.tasks.send_order_confirmation',
    'emails.tasks.send_password_reset',
    'emails.tasks.send_report_ready',
    'orders.tasks.capture_payment',
    'orders.tasks.charge_subscription',
    'orders.tasks.expire_unpaid_orders',
    'orders.tasks.refund_payment',
    'orders.tasks.sync_inventory',
    'reports.tasks.export_orders_csv',
    'reports.tasks.generate_sales_report',
    'reports.tasks.refresh_dashboard_cache',
    'shop.celery.debug_task',
  ]);
  // docker-compose.yml: worker + worker-payments consume; web and beat are not workers.
  assert.deepEqual(sorted(p.workers.map((w) => (w.queues ?? []).join(','))), ['default,emails', 'payments']);
});

test('django-shop: settings come from shop.settings.production (star-import of base) under namespace CELERY', async () => {
  const p = await open(SHOP);
  const cfg = p.apps[0]!.config;
  assert.equal(cfg.defaultQueue, 'default');
  assert.deepEqual(sorted((cfg.queues ?? []).map((q) => q.name)), ['default', 'emails', 'payments', 'reports']);
});

test('django-shop: where tasks go (as Celery routes them)', async () => {
  const p = await open(SHOP);
  const compose = (needle: string) => `docker-compose.yml:${lineOf(SHOP, 'docker-compose.yml', needle) + 1}`;
  const worker = compose('-Q default,emails');
  const payments = compose('-Q payments');
  const direct = (q: string) => ({ queue: q, exchange: '', routingKey: q, deliveredTo: [q] });

  // exact route
  expectRoute(p, { task: 'orders.tasks.capture_payment' }, { ...direct('payments'), priority: null, consumers: [payments] });
  expectRoute(p, { task: 'orders.tasks.capture_payment', options: { priority: 9 } }, { ...direct('payments'), priority: 9, consumers: [payments] });
  // the typo'd route key never applies: default queue, and the route's priority 8 is not used either
  expectRoute(p, { task: 'orders.tasks.refund_payment' }, { ...direct('default'), priority: null, consumers: [worker] });
  // CELERY_ROUTES in production.py is ignored: default, not payments — by task and by name
  expectRoute(p, { task: 'orders.tasks.sync_inventory' }, { ...direct('default'), consumers: [worker] });
  expectRoute(p, { task: 'orders.tasks.sync_inventory', via: 'send_task' }, { ...direct('default'), consumers: [worker] });
  // decorator queue + priority
  expectRoute(p, { task: 'orders.tasks.charge_subscription' }, { ...direct('payments'), priority: 9, consumers: [payments] });
  // glob routes
  expectRoute(p, { task: 'emails.tasks.send_order_confirmation' }, { ...direct('emails'), consumers: [worker] });
  expectRoute(p, { task: 'reports.tasks.generate_sales_report', via: 'send_task' }, { ...direct('reports'), consumers: [] });
  expectRoute(p, { task: 'reports.tasks.export_orders_csv', options: { queue: 'reports' } }, { ...direct('reports'), consumers: [] });
  // @shared_task(queue='default') beats the 'reports.tasks.*' route
  expectRoute(p, { task: 'reports.tasks.refresh_dashboard_cache' }, { ...direct('default'), consumers: [worker] });
});

test('django-shop: the planted mistakes are reported', async () => {
  const p = await open(SHOP);
  const ds = computeDiagnostics(p);

  const old = ds.filter((d) => d.code === 'old-setting-ignored');
  assert.equal(old.length, 1);
  assert.equal(rel(p, old[0]!.loc.file), 'shop/settings/production.py');
  assert.equal(old[0]!.loc.range.start.line, lineOf(SHOP, 'shop/settings/production.py', 'CELERY_ROUTES = {'));
  assert.match(old[0]!.message, /CELERY_TASK_ROUTES/);

  const typo = ds.filter((d) => d.code === 'route-matches-no-task');
  assert.equal(typo.length, 1);
  assert.equal(rel(p, typo[0]!.loc.file), 'shop/settings/base.py');
  assert.equal(typo[0]!.loc.range.start.line, lineOf(SHOP, 'shop/settings/base.py', "'orders.tasks.refund_paymnet'"));
  assert.match(typo[0]!.message, /did you mean 'orders\.tasks\.refund_payment'/);

  const unreachable = ds.filter((d) => d.code === 'unreachable-queue');
  assert.ok(unreachable.every((d) => /'reports'/.test(d.message)), 'only reports is unreachable');
  assert.deepEqual(sorted(unreachable.map((d) => `${rel(p, d.loc.file)}:${d.loc.range.start.line}`)), sorted([
    `reports/tasks.py:${lineOf(SHOP, 'reports/tasks.py', 'def generate_sales_report')}`,
    `reports/tasks.py:${lineOf(SHOP, 'reports/tasks.py', 'def export_orders_csv')}`,
    `reports/views.py:${lineOf(SHOP, 'reports/views.py', "app.send_task('reports.tasks.generate_sales_report'")}`,
    `reports/views.py:${lineOf(SHOP, 'reports/views.py', 'export_orders_csv.apply_async(')}`,
    // the beat entry 'nightly-sales-report' sends to 'reports' too
    `shop/settings/base.py:${lineOf(SHOP, 'shop/settings/base.py', "'task': 'reports.tasks.generate_sales_report'")}`,
  ]));

  assert.deepEqual(ds.filter((d) => d.severity === 'error'), [], 'no errors: nothing in this project raises');
});

test('django-shop: the correct parts produce no diagnostics', async () => {
  const p = await open(SHOP);
  const ds = computeDiagnostics(p);
  for (const f of ['shop/celery.py', 'orders/tasks.py', 'orders/views.py', 'emails/tasks.py', 'docker-compose.yml']) {
    assert.deepEqual(diagsIn(p, ds, f).map((d) => `${d.code}: ${d.message}`), [], f);
  }
  // base.py: the typo'd route key and the beat entry into 'reports'; the queues, the glob routes and the other
  // exact route are fine.
  assert.deepEqual(sorted(diagsIn(p, ds, 'shop/settings/base.py').map((d) => d.code)), ['route-matches-no-task', 'unreachable-queue']);
});

test('django-shop: a priority on the x-max-priority queue (queue_arguments) is not flagged', async () => {
  const p = await open(SHOP);
  const ds = computeDiagnostics(p);
  // capture_payment.apply_async(..., priority=9 if express else 5) → 'payments', declared with x-max-priority 10.
  assert.deepEqual(diagsIn(p, ds, 'orders/services.py').map((d) => `${d.code}: ${d.message}`), []);
});

// ---------------------------------------------------------------------------------------------------
// events-app
// ---------------------------------------------------------------------------------------------------

test('events-app: the app, its tasks and the Procfile workers are found', async () => {
  const p = await open(EVENTS);
  assert.deepEqual(p.apps.map((a) => a.id), ['events.app:app']);
  assert.deepEqual(sorted(p.tasks.map((t) => t.name)), [
    'events.tasks.export_orders',
    'events.tasks.import_catalog',
    'events.tasks.invalidate_cache',
    'events.tasks.order_paid',
    'events.tasks.order_placed',
    'events.tasks.order_shipped',
    'events.tasks.record_audit_entry',
    'events.tasks.reindex_products',
    'events.tasks.send_push',
    'events.tasks.send_sms',
    'events.tasks.user_deleted',
    'events.tasks.user_email_changed',
    'events.tasks.user_signed_up',
  ]);
  assert.deepEqual(sorted(p.workers.map((w) => (w.queues ?? []).join(','))), [
    'all_events', 'bulk,cache_invalidation', 'default,user_events,order_events', 'push_notifications,sms_notifications,cache_invalidation',
  ]);
});

test('events-app: where tasks go (topic bindings, globs, regexes, Broadcast)', async () => {
  const p = await open(EVENTS);
  const proc = (needle: string) => `Procfile:${lineOf(EVENTS, 'Procfile', needle) + 1}`;
  const worker = proc('worker:'), audit = proc('audit:'), notify = proc('notify:'), bulk = proc('bulk:');

  // exact route with its own key: user.signed_up matches user.* and #
  expectRoute(p, { task: 'events.tasks.user_signed_up' }, { queue: 'user_events', exchange: 'events', routingKey: 'user.signed_up', deliveredTo: ['user_events', 'all_events'], consumers: [worker, audit] });
  // glob without a key: the binding pattern 'user.*' is published literally
  expectRoute(p, { task: 'events.tasks.user_deleted' }, { queue: 'user_events', exchange: 'events', routingKey: 'user.*', deliveredTo: ['user_events', 'all_events'] });
  // exchange + routing key, no queue
  expectRoute(p, { task: 'events.tasks.order_placed' }, { queue: null, exchange: 'events', routingKey: 'order.placed', deliveredTo: ['order_events', 'all_events'] });
  // anchored regex, by name
  expectRoute(p, { task: 'events.tasks.order_paid', via: 'send_task' }, { queue: 'order_events', exchange: 'events', routingKey: 'order.#', deliveredTo: ['order_events', 'all_events'] });
  // apply_async routing_key overrides the key, the route keeps the queue
  expectRoute(p, { task: 'events.tasks.order_shipped', options: { routing_key: 'order.shipped' } }, { queue: 'order_events', exchange: 'events', routingKey: 'order.shipped', deliveredTo: ['order_events', 'all_events'] });
  // decorator queue on a topic queue: key '#' matches only the '#' binding
  expectRoute(p, { task: 'events.tasks.record_audit_entry' }, { queue: 'all_events', exchange: 'events', routingKey: '#', deliveredTo: ['all_events'], consumers: [audit] });
  // unanchored regex prefix → bulk (direct queue, default exchange)
  expectRoute(p, { task: 'events.tasks.export_orders', via: 'send_task' }, { queue: 'bulk', exchange: '', routingKey: 'bulk', deliveredTo: ['bulk'], consumers: [bulk] });
  expectRoute(p, { task: 'events.tasks.import_catalog' }, { queue: 'bulk', exchange: '', routingKey: 'bulk', deliveredTo: ['bulk'], consumers: [bulk] });
  expectRoute(p, { task: 'events.tasks.send_sms' }, { queue: 'sms_notifications', exchange: 'notifications', routingKey: 'notify.sms.transactional', deliveredTo: ['sms_notifications'], consumers: [notify] });
  // Broadcast: fanout, routing key = the default routing key; every worker with -Q cache_invalidation
  expectRoute(p, { task: 'events.tasks.invalidate_cache' }, { queue: 'cache_invalidation', exchange: 'cache_invalidation', routingKey: 'default', deliveredTo: ['cache_invalidation'], consumers: [notify, bulk] });
  // unrouted name → the direct default queue
  expectRoute(p, { task: 'events.tasks.something_else', via: 'send_task' }, { queue: 'default', exchange: '', routingKey: 'default', deliveredTo: ['default'], consumers: [worker] });
});

test('events-app: the two dropping routes', async () => {
  const p = await open(EVENTS);
  // 'notify.push' has one word too few for 'notify.push.*'
  expectRoute(p, { task: 'events.tasks.send_push' }, { queue: 'push_notifications', exchange: 'notifications', routingKey: 'notify.push', deliveredTo: [] });
  // direct: exchange AND routing key given → published through 'default' with 'search', bound only with 'default'
  expectRoute(p, { task: 'events.tasks.reindex_products' }, { queue: 'default', exchange: 'default', routingKey: 'search', deliveredTo: [] });

  const ds = computeDiagnostics(p);
  const dropped = ds.filter((d) => d.code === 'message-dropped');
  assert.deepEqual(sorted(dropped.map((d) => `${rel(p, d.loc.file)}:${d.loc.range.start.line}`)), sorted([
    `events/tasks.py:${lineOf(EVENTS, 'events/tasks.py', 'def send_push')}`,
    `events/tasks.py:${lineOf(EVENTS, 'events/tasks.py', 'def reindex_products')}`,
    `events/publish.py:${lineOf(EVENTS, 'events/publish.py', 'send_push.delay(')}`,
    `events/publish.py:${lineOf(EVENTS, 'events/publish.py', 'reindex_products.delay(')}`,
  ]));
  assert.ok(dropped.some((d) => /'notifications'.*'notify\.push'/.test(d.message)));
  assert.ok(dropped.some((d) => /'default'.*'search'/.test(d.message)));
});

test('events-app: nothing else is flagged but the intentional prefix regex', async () => {
  const p = await open(EVENTS);
  const ds = computeDiagnostics(p);
  // all_events is bound with '#': every user.* / order.* task message is also copied there, and the audit
  // worker runs the task a second time (celery #2508) — reported once per task.
  assert.deepEqual(sorted([...new Set(ds.map((d) => d.code))]), ['broadcast-copies', 'duplicate-delivery', 'message-dropped', 'regex-unanchored']);
  assert.ok(ds.filter((d) => d.code === 'duplicate-delivery').every((d) => /'all_events'/.test(d.message) && rel(p, d.loc.file) === 'events/tasks.py'));
  const re = ds.filter((d) => d.code === 'regex-unanchored');
  assert.equal(re.length, 1);
  assert.equal(rel(p, re[0]!.loc.file), 'events/celeryconfig.py');
  assert.equal(re[0]!.loc.range.start.line, lineOf(EVENTS, 'events/celeryconfig.py', '(export|import)_'));
  assert.equal(re[0]!.severity, 'information');
  for (const f of ['events/app.py', 'Procfile']) assert.deepEqual(diagsIn(p, ds, f), [], f);
  // no diagnostic on any user_* / order_* / bulk / sms / broadcast task definition
  const tasksPy = diagsIn(p, ds, 'events/tasks.py').filter((d) => d.code !== 'duplicate-delivery').map((d) => d.loc.range.start.line);
  assert.deepEqual(sorted(tasksPy.map(String)), sorted([lineOf(EVENTS, 'events/tasks.py', 'def send_push'), lineOf(EVENTS, 'events/tasks.py', 'def reindex_products')].map(String)));
});
