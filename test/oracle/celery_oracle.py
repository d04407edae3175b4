#!/usr/bin/python3
"""Celery Routing differential-test oracle: ask the *real* Celery.

For every fixture project (a directory with Python files and a calls.json)
this script imports the project's own Celery app exactly as a producer
process would, sends every call of calls.json through Celery's real code
path (Task.apply_async / Celery.send_task -> Router.route ->
AMQP.send_task_message -> Producer.publish) and reports what happened:

  model     no broker: publish() is captured; where the message lands on
            RabbitMQ is computed by a small AMQP 0-9-1 model (the queues a
            worker started without -Q declares + the producer's `declare`).
  rabbitmq  real RabbitMQ (127.0.0.1:5672, management API on :15672): a
            throw-away vhost per call, the worker's queues are declared, the
            call is published with publisher confirms, then every queue is
            drained to see where the message landed.
  redis     real Redis (127.0.0.1:6379, database 13, flushed per call and
            after): same, reading the list keys (and PUB/SUB for fanout).

Every call is judged on its own: the broker holds what a worker started
without -Q declared (app.amqp.queues) plus what this call's producer
declares - never queues/exchanges created by earlier calls.  Broadcast
queues (really `bcast.<uuid4>`) are reported by their alias.

Every fixture runs in its own Python subprocess (cwd and sys.path[0] = the
fixture directory, a clean environment + calls.json "env"), so module names,
automatic task names and settings never leak between fixtures.

Usage (always Debian's interpreter, where python3-celery lives):
  /usr/bin/python3 test/oracle/celery_oracle.py test/oracle/fixtures
  /usr/bin/python3 test/oracle/celery_oracle.py test/oracle/fixtures --broker all
  /usr/bin/python3 test/oracle/celery_oracle.py test/oracle/fixtures/05_x --broker redis --no-cache
Options: --broker model|rabbitmq|redis|all  (model always runs; rabbitmq/redis
only for fixtures with "broker": true), --only NAME[,NAME], --no-cache
(ignore cached results; fresh ones are still stored), --cache-dir DIR,
--jobs N, --indent N.  Output: one JSON document on stdout (see README.md).
"""
import argparse
import base64
import copy
import hashlib
import importlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS_FILE = os.path.abspath(__file__)
DEFAULT_CACHE = os.path.join(HERE, '.cache')
PARTS = ('model', 'rabbitmq', 'redis')

AMQP_HOST = os.environ.get('ORACLE_AMQP_HOST', '127.0.0.1')
AMQP_PORT = int(os.environ.get('ORACLE_AMQP_PORT', '5672'))
MGMT_URL = os.environ.get('ORACLE_RABBITMQ_API', f'http://{AMQP_HOST}:15672/api')
AMQP_USER = os.environ.get('ORACLE_AMQP_USER', 'guest')
AMQP_PASS = os.environ.get('ORACLE_AMQP_PASSWORD', 'guest')
REDIS_HOST = os.environ.get('ORACLE_REDIS_HOST', '127.0.0.1')
REDIS_PORT = int(os.environ.get('ORACLE_REDIS_PORT', '6379'))
REDIS_DB = int(os.environ.get('ORACLE_REDIS_DB', '13'))

UUID_RE = re.compile(
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
REDIS_SEP = '\x06\x16'
REDIS_SENTINEL = 'celery-oracle:sentinel'


def mask(s):
    """Broadcast queues are `bcast.<uuid4>`, new in every process."""
    return UUID_RE.sub('<uuid>', s) if isinstance(s, str) else s


def err_text(exc):
    return f'{type(exc).__name__}: {exc}'


# ==========================================================================
# Child side: one fixture, one part, in its own process
# ==========================================================================
class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _CaptureConnection:
    def _reraise_as_library_errors(self, *a, **kw):
        return _NullContext()


class CaptureProducer:
    """Stands in for kombu.Producer in the model part: keeps publish()."""
    serializer = None

    def __init__(self):
        self.connection = _CaptureConnection()
        self.published = []

    def publish(self, body, **kwargs):
        self.published.append(kwargs)


class RecordingRouter:
    """Delegates to the app's real router (app.amqp.router, looked up at
    send time like Celery.send_task does) and keeps what it returned."""

    def __init__(self, app):
        self.app = app
        self.last = None

    def route(self, options, name, args=(), kwargs=None, task_type=None):
        out = self.app.amqp.router.route(options, name, args, kwargs,
                                         task_type)
        self.last = dict(out)
        return out


def queue_label(q):
    """User-visible queue name: the alias of a Broadcast, else the name."""
    from kombu.common import Broadcast
    if q is None:
        return None
    if isinstance(q, Broadcast) and q.alias:
        return q.alias
    return mask(q.name)


def landing_label(app, name):
    """Name reported for a landing queue: a Broadcast queue (really
    `bcast.<uuid4>`, new in every process) is reported by its alias."""
    from kombu.common import Broadcast
    try:
        for q in app.amqp.queues.values():
            if q.name == name and isinstance(q, Broadcast) and q.alias:
                return q.alias
    except Exception:  # noqa: BLE001
        pass
    return mask(name)


def effective_queue(app, routed):
    """The queue send_task_message publishes for (amqp.py:466-472)."""
    from kombu import Queue
    q = routed.get('queue')
    if q is None and routed.get('exchange') is None:
        q = app.amqp.default_queue
    if isinstance(q, str):
        q = app.amqp.queues[q]
    return q if isinstance(q, Queue) else None


def exchange_name(ex):
    from kombu import Exchange
    return ex.name if isinstance(ex, Exchange) else ex


def jsonable(v, depth=0):
    from kombu import Exchange, Queue
    if depth > 6:
        return repr(v)
    if v is None or isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, str):
        return mask(v)
    if isinstance(v, Queue):
        return {'queue': queue_label(v), 'name': mask(v.name),
                'exchange': exchange_name(v.exchange),
                'exchange_type': getattr(v.exchange, 'type', None),
                'routing_key': mask(v.routing_key)}
    if isinstance(v, Exchange):
        return {'exchange': v.name, 'type': v.type}
    if isinstance(v, dict):
        return {str(k): jsonable(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x, depth + 1) for x in v]
    return re.sub(r' at 0x[0-9a-f]+', '', repr(v))


def declared_args(q):
    """queue_arguments exactly as kombu sends them to RabbitMQ."""
    from kombu.transport.base import to_rabbitmq_queue_arguments
    return to_rabbitmq_queue_arguments(
        q.queue_arguments or {}, expires=q.expires,
        message_ttl=q.message_ttl, max_length=q.max_length,
        max_length_bytes=q.max_length_bytes, max_priority=q.max_priority)


# --------------------------------------------------------------------------
# A small AMQP 0-9-1 model of RabbitMQ (what the worker and the producer
# declare, then routing of one publish)
# --------------------------------------------------------------------------
class BrokerError(Exception):
    pass


def topic_matches(pattern, key):
    """RabbitMQ topic matching: words split on '.', '*' = one word,
    '#' = zero or more words."""
    p, k = pattern.split('.'), key.split('.')
    seen = {}

    def go(i, j):
        if (i, j) in seen:
            return seen[(i, j)]
        if i == len(p):
            r = j == len(k)
        elif p[i] == '#':
            r = go(i + 1, j) or (j < len(k) and go(i, j + 1))
        elif j < len(k) and (p[i] == '*' or p[i] == k[j]):
            r = go(i + 1, j + 1)
        else:
            r = False
        seen[(i, j)] = r
        return r
    return go(0, 0)


class RabbitModel:
    BUILTIN = {'amq.direct': 'direct', 'amq.topic': 'topic',
               'amq.fanout': 'fanout', 'amq.headers': 'headers',
               'amq.match': 'headers'}

    def __init__(self, vhost='/'):
        self.vhost = vhost
        self.exchanges = {n: (t, True, False) for n, t in self.BUILTIN.items()}
        self.queues = {}      # name -> (durable, exclusive, auto_delete, args)
        self.bindings = []    # (exchange, queue, key, args)
        self.xbindings = []   # (source, destination exchange, key, args)

    # -- declarations -----------------------------------------------------
    def declare_exchange(self, ex):
        if ex is None or ex.no_declare or not ex.name or \
                ex.name.startswith('amq.'):
            return
        self.declare_exchange_raw(ex.name, ex.type, ex.durable,
                                  ex.auto_delete)

    def declare_exchange_raw(self, name, typ, durable, auto_delete):
        new = (typ, bool(durable), bool(auto_delete))
        old = self.exchanges.get(name)
        if old is not None and old != new:
            field = ('type' if old[0] != new[0] else
                     'durable' if old[1] != new[1] else 'auto_delete')
            a, b = (new[0], old[0]) if field == 'type' else (new[1:], old[1:])
            raise BrokerError(
                f"406 PRECONDITION_FAILED - inequivalent arg '{field}' for "
                f"exchange '{name}' in vhost '{self.vhost}': received "
                f"'{a}' but current is '{b}'")
        self.exchanges[name] = new

    def bind_exchange(self, source, destination, key, args):
        """exchange.bind: `destination` receives what `source` routes."""
        for x in (source, destination):
            if x not in self.exchanges:
                raise BrokerError(
                    f"404 NOT_FOUND - no exchange '{x}' in vhost "
                    f"'{self.vhost}'")
        row = (source, destination, key or '',
               json.dumps(args or {}, sort_keys=True, default=str))
        if row not in self.xbindings:
            self.xbindings.append(row)

    def bind(self, exchange, queue, key, args):
        if exchange not in self.exchanges:
            raise BrokerError(
                f"404 NOT_FOUND - no exchange '{exchange}' in vhost "
                f"'{self.vhost}'")
        row = (exchange, queue, key or '',
               json.dumps(args or {}, sort_keys=True, default=str))
        if row not in self.bindings:
            self.bindings.append(row)

    def declare_queue(self, q):
        """kombu Queue.declare(): exchange, queue, binding, bindings."""
        if q.no_declare:
            return
        if q.exchange is not None:
            self.declare_exchange(q.exchange)
        self.declare_queue_raw(q.name, q.durable, q.exclusive, q.auto_delete,
                               declared_args(q))
        if q.exchange is not None and q.exchange.name:
            self.bind(q.exchange.name, q.name, q.routing_key,
                      q.binding_arguments)
        for b in q.bindings:
            if b.exchange is not None and b.exchange.name:
                self.declare_exchange(b.exchange)
            name = exchange_name(b.exchange) or ''
            self.bind(name, q.name, b.routing_key, b.arguments)

    def declare_queue_raw(self, name, durable, exclusive, auto_delete, qargs):
        qargs = dict(qargs or {})
        if qargs.get('x-queue-type') == 'quorum' and 'x-max-priority' in qargs:
            # RabbitMQ 3.x (checked live on 3.10.8)
            raise BrokerError(
                f"406 PRECONDITION_FAILED - invalid arg 'x-max-priority' for "
                f"queue '{name}' in vhost '{self.vhost}' of queue type "
                f"rabbit_quorum_queue")
        args = json.dumps(qargs, sort_keys=True, default=str)
        new = (bool(durable), bool(exclusive), bool(auto_delete), args)
        old = self.queues.get(name)
        if old is not None and old != new:
            raise BrokerError(
                f"406 PRECONDITION_FAILED - inequivalent arg for queue "
                f"'{name}' in vhost '{self.vhost}'")
        self.queues[name] = new

    # -- routing ----------------------------------------------------------
    def route(self, exchange, routing_key, headers):
        key = routing_key or ''
        if not exchange:
            return [key] if key in self.queues else []
        if exchange not in self.exchanges:
            raise BrokerError(
                f"404 NOT_FOUND - no exchange '{exchange}' in vhost "
                f"'{self.vhost}'")
        hits, seen, todo = [], set(), [exchange]
        while todo:          # exchange-to-exchange bindings (RabbitMQ
            ex = todo.pop(0)  # delivers one copy per queue)
            if ex in seen:
                continue
            seen.add(ex)
            for q in self._route1(ex, key, headers, self.bindings):
                if q not in hits:
                    hits.append(q)
            todo.extend(self._route1(ex, key, headers, self.xbindings))
        return sorted(hits)

    def after_ttl(self, queues, routing_key, headers, limit=64):
        """Where messages sitting in `queues` end up once each queue's
        x-message-ttl expires them to its x-dead-letter-exchange (same
        routing key unless x-dead-letter-routing-key), until they reach
        queues without a TTL: the native delayed delivery chain."""
        final = set()
        todo = [(q, routing_key) for q in queues]
        while todo and limit:
            limit -= 1
            q, key = todo.pop(0)
            args = json.loads(self.queues[q][3]) if q in self.queues else {}
            if 'x-message-ttl' in args and 'x-dead-letter-exchange' in args:
                key = args.get('x-dead-letter-routing-key', key)
                try:
                    nxt = self.route(args['x-dead-letter-exchange'], key,
                                     headers)
                except BrokerError:
                    nxt = []
                todo.extend((n, key) for n in nxt)
            else:
                final.add(q)
        return sorted(final)

    def _route1(self, exchange, key, headers, table):
        typ = self.exchanges[exchange][0]
        hits = []
        for ex, q, bkey, bargs in table:
            if ex != exchange or q in hits:
                continue
            if typ == 'fanout':
                ok = True
            elif typ == 'direct':
                ok = bkey == key
            elif typ == 'topic':
                ok = topic_matches(bkey, key)
            elif typ == 'headers':
                a = json.loads(bargs)
                how = a.pop('x-match', 'all')
                want = {k: v for k, v in a.items() if not k.startswith('x-')}
                h = headers or {}
                res = [k in h and h[k] == v for k, v in want.items()]
                ok = all(res) if how == 'all' else any(res)
            else:
                ok = False
            if ok:
                hits.append(q)
        return hits


# --------------------------------------------------------------------------
# Celery 5.5 native delayed delivery (quorum queues)
# --------------------------------------------------------------------------
def native_delayed_delivery(app):
    """Celery >= 5.5 with a quorum queue among app.amqp.queues on an amqp
    broker: the worker runs the DelayedDelivery bootstep (include_if,
    celery/worker/consumer/delayed_delivery.py) and send_task reroutes
    countdown/ETA sends (celery/app/base.py).  False on older Celery."""
    try:
        from celery.utils.quorum_queues import detect_quorum_queues
    except ImportError:
        return False
    return bool(detect_quorum_queues(
        app, app.connection_for_write().transport.driver_type)[0])


class _ModelChannel:
    """Just enough of a kombu amqp channel for kombu's own
    native_delayed_delivery functions to declare into a RabbitModel."""

    def __init__(self, model):
        self.model = model
        self.connection = None

    def prepare_queue_arguments(self, arguments, **kwargs):
        from kombu.transport.base import to_rabbitmq_queue_arguments
        return to_rabbitmq_queue_arguments(arguments, **kwargs)

    def prepare_message(self, *a, **kw):  # pragma: no cover - unused
        raise NotImplementedError

    def exchange_declare(self, exchange, type, durable=True,
                         auto_delete=False, arguments=None, nowait=False,
                         passive=False):
        if exchange and not exchange.startswith('amq.'):
            self.model.declare_exchange_raw(exchange, type, durable,
                                            auto_delete)

    def queue_declare(self, queue, passive=False, durable=True,
                      exclusive=False, auto_delete=False, arguments=None,
                      nowait=False):
        self.model.declare_queue_raw(queue, durable, exclusive, auto_delete,
                                     arguments)
        return (queue, 0, 0)

    def queue_bind(self, queue, exchange='', routing_key='', arguments=None,
                   nowait=False):
        self.model.bind(exchange, queue, routing_key, arguments)

    def exchange_bind(self, destination, source='', routing_key='',
                      nowait=False, arguments=None):
        self.model.bind_exchange(source, destination, routing_key, arguments)


class _ModelConnection:
    def __init__(self, model):
        self._channel = _ModelChannel(model)

    def channel(self):
        return self._channel


def setup_delayed_delivery(app, connection):
    """What the DelayedDelivery bootstep does at worker start
    (_setup_delayed_delivery): the celery_delayed_27..0 exchanges and
    queues, then every app queue bound to celery_delayed_delivery.  Stops
    at the first failure, like the bootstep."""
    from kombu.transport.native_delayed_delivery import (
        bind_queue_to_native_delayed_delivery_exchange,
        declare_native_delayed_delivery_exchanges_and_queues)
    declare_native_delayed_delivery_exchanges_and_queues(
        connection, app.conf.broker_native_delayed_delivery_queue_type)
    for q in app.amqp.queues.values():
        bind_queue_to_native_delayed_delivery_exchange(connection, q)


def call_delay(call):
    """Seconds of delay a call asks for (countdown, or an ISO eta from
    now), None without either."""
    o = call.get('options') or {}
    if o.get('countdown') is not None:
        return float(o['countdown'])
    if o.get('eta'):
        from datetime import datetime, timezone
        eta = datetime.fromisoformat(str(o['eta']).replace('Z', '+00:00'))
        if eta.tzinfo is None:
            eta = eta.replace(tzinfo=timezone.utc)
        return (eta - datetime.now(timezone.utc)).total_seconds()
    return None


# --------------------------------------------------------------------------
def import_app(app_id):
    """'dotted.module:variable' -> the Celery instance."""
    modname, _, var = app_id.partition(':')
    mod = importlib.import_module(modname)
    if var:
        return getattr(mod, var)
    from celery import Celery
    for v in vars(mod).values():
        if isinstance(v, Celery):
            return v
    raise LookupError(f'no Celery app in {modname}')


def send_one(app, call, producer, router, task_id):
    name = call['task']
    options = dict(call.get('options') or {})
    args = list(call.get('args') or [])
    kwargs = dict(call.get('kwargs') or {})
    if call.get('via', 'apply_async') == 'send_task':
        app.send_task(name, args, kwargs, producer=producer, router=router,
                      task_id=task_id, **options)
    else:
        task = app.tasks[name]
        task.apply_async(args, kwargs, task_id=task_id, producer=producer,
                         router=router, **options)


def producer_declares_copy(kw):
    """kombu >= 5.3 Producer._publish passes `retry` to maybe_declare; with
    retry (Celery's task_publish_retry, on by default) _imaybe_declare
    declares the channel-bound *copy* (a queue given `bindings` loses the
    default exchange Celery gave it, like a worker's declaration); kombu 5.2
    declares the original object."""
    import inspect
    from kombu import Producer
    return bool(kw.get('retry')) and 'retry' in inspect.signature(
        Producer._publish).parameters


def base_record(i, call):
    return {'index': i, 'task': call['task'],
            'via': call.get('via', 'apply_async'),
            'queue': None, 'exchange': None, 'routingKey': None,
            'priority': None, 'error': None, 'brokerError': None}


def fill_from_route(rec, app, router):
    if router.last is None:
        return
    rec['routerOutput'] = jsonable(
        {k: v for k, v in router.last.items() if v is not None})
    try:
        rec['queue'] = queue_label(effective_queue(app, router.last))
    except Exception:  # noqa: BLE001 - default queue missing etc.
        pass


def fill_from_publish(rec, kw):
    rec['exchange'] = exchange_name(kw.get('exchange'))
    rec['routingKey'] = mask(kw.get('routing_key'))
    rec['priority'] = kw.get('priority')
    rec['declare'] = [mask(getattr(d, 'name', repr(d)))
                      for d in (kw.get('declare') or [])]


def app_groups(spec):
    """Calls grouped by app id, in order of first appearance."""
    groups = {}
    for i, call in enumerate(spec['calls']):
        groups.setdefault(call.get('app') or spec.get('app'), []).append(i)
    return groups


def load_apps(spec):
    """Import every app, then the task modules. Import errors of an app
    become the error of each of its calls (that is what a producer would
    see); errors importing `imports` are harness/fixture problems."""
    apps, load_errors = {}, {}
    for app_id in app_groups(spec):
        try:
            apps[app_id] = import_app(app_id)
        except Exception as exc:  # noqa: BLE001
            load_errors[app_id] = err_text(exc)
    problems = []
    for modname in spec.get('imports') or []:
        try:
            importlib.import_module(modname)
        except Exception as exc:  # noqa: BLE001
            problems.append(f'import {modname}: {err_text(exc)}')
    from celery.backends.base import DisabledBackend
    for app in apps.values():
        try:   # never talk to a result backend
            app._local.backend = DisabledBackend(app)
        except Exception:  # noqa: BLE001 - broken config: each call shows it
            pass
    return apps, load_errors, problems


def config_error(app):
    """Celery reads the configuration on first use; when that raises
    (ImproperlyConfigured for mixed old/new names...) every send of the
    process raises it.  Report it for every call instead of letting the
    half-finalized app turn later calls into NotRegistered."""
    try:
        app.conf.task_default_queue
        return None
    except Exception as exc:  # noqa: BLE001
        return err_text(exc)


def initial_queues(app):
    """What a worker started without -Q declares: app.amqp.queues."""
    return list(app.amqp.queues.values())


def run_model(spec):
    apps, load_errors, problems = load_apps(spec)
    out = {'calls': [None] * len(spec['calls']), 'workerDeclare': [],
           'loadErrors': load_errors, 'problems': problems}
    for app_id, idxs in app_groups(spec).items():
        app = apps.get(app_id)
        model = RabbitModel()
        if app is not None:
            try:
                queues = initial_queues(app)
            except Exception as exc:  # noqa: BLE001
                queues = []
                out['workerDeclare'].append({'app': app_id,
                                             'error': err_text(exc)})
            for q in queues:
                try:
                    # A worker's Consumer declares bound *copies*
                    # (queue(channel) -> copy -> Queue.__init__ again): a
                    # queue given `bindings` loses the default exchange
                    # Celery gave it.  The producer's maybe_declare
                    # declares the original object (kombu ignores the
                    # bound copy there), default binding included.
                    model.declare_queue(copy.copy(q))
                    out['workerDeclare'].append(
                        {'app': app_id, 'queue': mask(q.name), 'ok': True})
                except BrokerError as exc:
                    out['workerDeclare'].append(
                        {'app': app_id, 'queue': mask(q.name), 'ok': False,
                         'error': str(exc)})
        if app is not None and not config_error(app):
            try:
                delayed = native_delayed_delivery(app)
            except Exception as exc:  # noqa: BLE001
                delayed = False
                problems.append(f'native delayed delivery check: '
                                f'{err_text(exc)}')
            if delayed:
                try:
                    setup_delayed_delivery(app, _ModelConnection(model))
                    out['workerDeclare'].append(
                        {'app': app_id, 'delayedDelivery': True, 'ok': True})
                except (BrokerError, ValueError, AttributeError) as exc:
                    out['workerDeclare'].append(
                        {'app': app_id, 'delayedDelivery': True, 'ok': False,
                         'error': err_text(exc)})
        worker_state = copy.deepcopy(model)
        for i in idxs:
            # every call is judged on its own: the broker holds what the
            # worker declared at start-up, nothing from earlier calls
            model = copy.deepcopy(worker_state)
            call = spec['calls'][i]
            rec = base_record(i, call)
            rec['app'] = app_id
            out['calls'][i] = rec
            if app is None or config_error(app):
                rec['error'] = (load_errors[app_id] if app is None
                                else config_error(app))
                rec.update(deliveredTo=[], dropped=False)
                continue
            producer, router = CaptureProducer(), RecordingRouter(app)
            try:
                send_one(app, call, producer, router, f'oracle-{i}')
            except Exception as exc:  # noqa: BLE001
                rec['error'] = err_text(exc)
                fill_from_route(rec, app, router)
                rec.update(deliveredTo=[], dropped=False)
                continue
            fill_from_route(rec, app, router)
            pubs = [p for p in producer.published
                    if (p.get('headers') or {}).get('task')]
            if not pubs:
                rec['problem'] = 'nothing published'
                rec.update(deliveredTo=[], dropped=False)
                continue
            kw = pubs[-1]
            fill_from_publish(rec, kw)
            from kombu import Exchange, Queue
            created = []
            try:
                for d in kw.get('declare') or []:
                    if isinstance(d, Queue):
                        if d.name not in model.queues:
                            created.append(mask(d.name))
                        model.declare_queue(
                            copy.copy(d) if producer_declares_copy(kw) else d)
                    elif isinstance(d, Exchange):
                        model.declare_exchange(d)
                hits = model.route(rec['exchange'], kw.get('routing_key'),
                                   kw.get('headers'))
            except BrokerError as exc:
                rec['brokerError'] = str(exc)
                rec.update(deliveredTo=[], dropped=False)
                continue
            rec['autoCreated'] = created
            rec['deliveredTo'] = sorted(landing_label(app, h) for h in hits)
            rec['dropped'] = not hits
            if rec['exchange'] == 'celery_delayed_27':
                rec['deliveredAfterDelay'] = sorted(
                    landing_label(app, h) for h in model.after_ttl(
                        hits, kw.get('routing_key'), kw.get('headers')))
    if spec.get('canvases'):
        out['canvases'] = run_canvases(spec, apps)
    return out


def run_canvases(spec, apps):
    """`canvases` of calls.json: functions of the fixture that send a group /
    chain / chord.  Each is called with every publish captured; then the parts
    a worker or the result backend would publish later are published the way
    they do it (app/trace.py: the next chain step is
    `signature(chain.pop()).apply_async((retval,), chain=chain, ...,
    priority=task_priority)`, task_priority None unless
    task_inherit_parent_priority; backends/base.py on_chord_part_return: the
    body is `maybe_signature(request.chord).delay(ret)`).  Reports, per
    publish: task, queue, exchange, routing key, priority and `step`."""
    from celery.canvas import maybe_signature, signature
    out = []
    for entry in spec.get('canvases') or []:
        app = apps.get(entry.get('app') or spec.get('app'))
        rec = {'function': entry['function'], 'publishes': [], 'error': None}
        out.append(rec)
        if app is None:
            rec['error'] = 'app not loaded'
            continue
        capture, sent = CaptureProducer(), []
        orig = app.amqp.send_task_message

        def send(producer, name, message, _orig=orig, _sent=sent,
                 _capture=capture, **kw):
            embed = message.body[2] if isinstance(message.body, tuple) else {}
            _sent.append({'task': name, 'queue': kw.get('queue'),
                          'embed': embed or {}})
            return _orig(_capture, name, message, **kw)

        app.amqp.send_task_message = send
        steps = []
        # a canvas acquires a producer from the pool: never a real broker
        app.conf.broker_url = 'memory://'
        from celery.backends.cache import CacheBackend
        app._local.backend = CacheBackend(app=app, url='memory://',
                                          backend='memory')
        try:
            modname, _, fn = entry['function'].partition(':')
            getattr(importlib.import_module(modname), fn)()
            inherit = app.conf.task_inherit_parent_priority
            i, steps = 0, ['now'] * len(sent)
            while i < len(sent):
                s, kw = sent[i], capture.published[i]
                i += 1
                chain = list(s['embed'].get('chain') or [])
                if chain:
                    n = len(sent)
                    signature(chain.pop(), app=app).apply_async(
                        (None,), chain=chain,
                        priority=kw.get('priority') if inherit else None)
                    steps += ['after-previous'] * (len(sent) - n)
                chord = s['embed'].get('chord')
                if chord and not any(t['embed'].get('chord') == chord
                                     for t in sent[i:]):
                    n = len(sent)
                    maybe_signature(chord, app=app).delay([])
                    steps += ['chord-body'] * (len(sent) - n)
        except Exception as exc:  # noqa: BLE001
            rec['error'] = err_text(exc)
        finally:
            app.amqp.send_task_message = orig
        for s, kw, step in zip(sent, capture.published, steps):
            rec['publishes'].append({
                'task': s['task'], 'queue': queue_label(s['queue']),
                'exchange': exchange_name(kw.get('exchange')),
                'routingKey': mask(kw.get('routing_key')),
                'priority': kw.get('priority'), 'step': step})
    return out


# --------------------------------------------------------------------------
# Real RabbitMQ
# --------------------------------------------------------------------------
def mgmt(method, path, body=None, timeout=10, retries=8):
    """RabbitMQ management API call; retried while the API is briefly
    unreachable (the plugin restarting, a busy node)."""
    auth = base64.b64encode(f'{AMQP_USER}:{AMQP_PASS}'.encode()).decode()
    for attempt in range(retries + 1):
        req = urllib.request.Request(
            MGMT_URL + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={'Authorization': 'Basic ' + auth,
                     'content-type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                data = r.read()
                return json.loads(data) if data else None
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == retries:
                raise
        except (urllib.error.URLError, OSError):
            if attempt == retries:
                raise
        time.sleep(min(0.25 * 2 ** attempt, 5))


def cleanup_stale_vhosts():
    """Delete `oracle-...-<pid>` vhosts left behind by harness runs whose
    process is gone (a crash, a killed test run)."""
    try:
        names = [v['name'] for v in mgmt('GET', '/vhosts?columns=name')]
    except Exception:  # noqa: BLE001
        return
    for name in names:
        m = re.match(r'^oracle-.*-(\d+)$', name)
        if not m:
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
            continue            # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        try:
            mgmt('DELETE', f'/vhosts/{qs(name)}', retries=1)
        except Exception:  # noqa: BLE001
            pass


def qs(s):
    return urllib.parse.quote(s, safe='')


def broker_error_of(exc):
    """An AMQP channel/connection error raised by RabbitMQ (404, 406...),
    found anywhere in the exception chain, as '<code> <reply text>'."""
    try:
        from amqp.exceptions import AMQPError
    except ImportError:  # pragma: no cover
        return None
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, AMQPError) and getattr(exc, 'code', None):
            return f'{exc.code} {exc.reply_text}'
        exc = exc.__cause__ or exc.__context__
    return None


def is_connection_trouble(exc):
    """Connection-level failures (broker restarting, refused sockets)."""
    from kombu.exceptions import OperationalError
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OSError, OperationalError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def capture_before_publish():
    """before_task_publish sees the exchange/routing key as published."""
    from celery.signals import before_task_publish
    box = {}

    def handler(sender=None, body=None, exchange=None, routing_key=None,
                headers=None, properties=None, declare=None, **kw):
        box['last'] = {'exchange': exchange, 'routing_key': routing_key,
                       'declare': declare,
                       'priority': (properties or {}).get('priority')}
    before_task_publish.connect(handler, weak=False)
    return box


def run_rabbitmq(spec, fixture_name):
    apps, load_errors, problems = load_apps(spec)
    out = {'calls': [None] * len(spec['calls']), 'workerDeclare': [],
           'loadErrors': load_errors, 'problems': problems}
    box = capture_before_publish()
    vhosts = []
    for n, (app_id, idxs) in enumerate(app_groups(spec).items()):
        _rabbit_app(spec, out, apps.get(app_id), app_id, idxs,
                    f'oracle-{fixture_name[:40]}-{n}', load_errors, box,
                    vhosts)
    # error texts quote the vhost: keep the output stable
    text = json.dumps(out, default=repr)
    for v in vhosts:
        text = text.replace(v, '<vhost>')
    return json.loads(text)


def _rabbit_app(spec, out, app, app_id, idxs, vprefix, load_errors, box,
                vhosts):
    """Each call gets a throw-away vhost: the worker (no -Q) declares
    app.amqp.queues, the call is published with publisher confirms, every
    queue of the vhost is drained, the vhost is deleted."""
    queues, queues_error = [], None
    if app is not None:
        try:
            queues = initial_queues(app)
        except Exception as exc:  # noqa: BLE001
            queues_error = err_text(exc)
            out['workerDeclare'].append({'app': app_id,
                                         'error': queues_error})
    for k, i in enumerate(idxs):
        call = spec['calls'][i]
        rec = base_record(i, call)
        rec.update(app=app_id, sent=False, deliveredTo=[], dropped=False)
        out['calls'][i] = rec
        if app is None or config_error(app):
            rec['error'] = (load_errors[app_id] if app is None
                            else config_error(app))
            continue
        vhost = f'{vprefix}-{i}-{os.getpid()}'
        vhosts.append(vhost)
        url = (f'amqp://{qs(AMQP_USER)}:{qs(AMQP_PASS)}@{AMQP_HOST}:'
               f'{AMQP_PORT}/{qs(vhost)}')
        mgmt('PUT', f'/vhosts/{qs(vhost)}', {})
        try:
            mgmt('PUT', f'/permissions/{qs(vhost)}/{qs(AMQP_USER)}',
                 {'configure': '.*', 'write': '.*', 'read': '.*'})
            _rabbit_call(out, app, app_id, call, rec, i, url, vhost, queues,
                         box, report_declare=(k == 0))
        finally:
            try:
                mgmt('DELETE', f'/vhosts/{qs(vhost)}')
            except Exception:  # noqa: BLE001
                pass


def _rabbit_call(out, app, app_id, call, rec, i, url, vhost, queues, box,
                 report_declare):
    from kombu import Connection
    worker = Connection(url)        # "the worker": stays up while we send
    worker.connect()
    try:
        for q in queues:
            ch = worker.channel()
            try:
                q(ch).declare()
                res = {'app': app_id, 'queue': mask(q.name), 'ok': True}
            except Exception as exc:  # noqa: BLE001
                res = {'app': app_id, 'queue': mask(q.name), 'ok': False,
                       'error': broker_error_of(exc) or err_text(exc)}
            finally:
                try:
                    ch.close()
                except Exception:  # noqa: BLE001
                    pass
            if report_declare:
                out['workerDeclare'].append(res)
        if native_delayed_delivery(app):
            # the worker's DelayedDelivery bootstep (Celery 5.5)
            try:
                setup_delayed_delivery(app, worker)
                res = {'app': app_id, 'delayedDelivery': True, 'ok': True}
            except Exception as exc:  # noqa: BLE001
                res = {'app': app_id, 'delayedDelivery': True, 'ok': False,
                       'error': broker_error_of(exc) or err_text(exc)}
            if report_declare:
                out['workerDeclare'].append(res)
        box.clear()
        router = RecordingRouter(app)
        try:
            with app.connection_for_write(
                    url, transport_options={'confirm_publish': True}) as conn:
                producer = app.amqp.Producer(conn)
                send_one(app, call, producer, router, f'oracle-{i}')
            rec['sent'] = True
        except Exception as exc:  # noqa: BLE001
            be = broker_error_of(exc)
            if be and be.split()[0] in ('403', '404', '405', '406'):
                rec['brokerError'] = be      # RabbitMQ refused the publish
            elif be or is_connection_trouble(exc):
                # the broker went away (restart, stop_app): not an answer
                out['interference'] = f'RabbitMQ connection lost: {err_text(exc)}'
                rec['error'] = err_text(exc)
            else:
                rec['error'] = err_text(exc)
        fill_from_route(rec, app, router)
        if rec['error'] is None and 'last' in box:
            fill_from_publish(rec, box['last'])
        sent_at = time.time()
        delay = call_delay(call) if rec['exchange'] == 'celery_delayed_27' \
            else None
        if delay is not None and 0 < delay <= 12:
            # native delayed delivery: where the message sits now (peeked,
            # then requeued), then where the dead-letter chain puts it
            now = drain_rabbit(worker, vhost, peek=True).get(
                f'oracle-{i}', [])
            time.sleep(max(0.0, sent_at + delay + 2.0 - time.time()))
            later = drain_rabbit(worker, vhost)
            rec['deliveredAfterDelay'] = sorted(
                landing_label(app, h['queue'])
                for h in later.pop(f'oracle-{i}', []))
            later[f'oracle-{i}'] = now
            found = later
        else:
            found = drain_rabbit(worker, vhost)
        hits = found.pop(f'oracle-{i}', [])
        for h in hits:
            h['queue'] = landing_label(app, h['queue'])
        rec['deliveredTo'] = sorted(h['queue'] for h in hits)
        rec['deliveries'] = sorted(hits, key=lambda h: h['queue'])
        rec['dropped'] = rec['sent'] and not hits
        if found:
            out.setdefault('strayMessages', []).append(found)
    finally:
        try:
            worker.release()
        except Exception:  # noqa: BLE001
            pass


def list_rabbit_queues(vhost):
    return [x['name'] for x in mgmt('GET', f'/queues/{qs(vhost)}?columns=name')]


def drain_rabbit(worker, vhost, peek=False):
    """Every message of every queue of the vhost, by task id; `peek`
    leaves them there (unacked, requeued when the channel closes)."""
    found = {}
    raw = worker.connection          # the py-amqp connection
    for qn in sorted(list_rabbit_queues(vhost)):
        ch = raw.channel()
        try:
            while True:
                m = ch.basic_get(qn, no_ack=not peek)
                if m is None:
                    break
                hdr = m.properties.get('application_headers') or {}
                tid = hdr.get('id') or m.properties.get('correlation_id')
                found.setdefault(tid, []).append({
                    'queue': qn,
                    'exchange': m.delivery_info.get('exchange'),
                    'routing_key': mask(m.delivery_info.get('routing_key')),
                    'priority': m.properties.get('priority')})
        finally:
            try:
                ch.close()
            except Exception:  # noqa: BLE001
                pass
    return found


# --------------------------------------------------------------------------
# Real Redis
# --------------------------------------------------------------------------
def run_redis(spec, fixture_name):
    import redis
    r = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    apps, load_errors, problems = load_apps(spec)
    out = {'calls': [None] * len(spec['calls']), 'workerDeclare': [],
           'loadErrors': load_errors, 'problems': problems}
    box = capture_before_publish()
    url = f'redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}'
    ps = r.pubsub()
    ps.psubscribe(f'/{REDIS_DB}.*')       # kombu's fanout = PUBLISH
    got, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            m = ps.get_message(timeout=0.05)
            if m and m['type'] == 'pmessage':
                try:
                    tid = json.loads(m['data'])['headers'].get('id')
                except Exception:  # noqa: BLE001
                    tid = None
                got.append((m['channel'].decode(), tid))
    th = threading.Thread(target=listen, daemon=True)
    th.start()
    try:
        for app_id, idxs in app_groups(spec).items():
            _redis_app(spec, out, apps.get(app_id), app_id, idxs, url, r,
                       load_errors, box)
        time.sleep(0.1)
    finally:
        stop.set()
        th.join(2)
        ps.close()
        r.flushdb()
    for rec in out['calls']:
        tid = f"oracle-{rec['index']}"
        rec['pubsub'] = sorted({mask(c) for c, t in got if t == tid})
    return out


def _redis_app(spec, out, app, app_id, idxs, url, r, load_errors, box):
    """Each call on a flushed database: the worker connection declares
    app.amqp.queues and stays open while the call is sent on a connection
    of its own (kombu keeps exchange types per connection and deletes
    auto_delete queues - Broadcast - when the declaring channel closes)."""
    from kombu import Connection
    queues = []
    if app is not None:
        try:
            queues = initial_queues(app)
        except Exception as exc:  # noqa: BLE001
            out['workerDeclare'].append({'app': app_id,
                                         'error': err_text(exc)})
        try:
            if not config_error(app) and native_delayed_delivery(app):
                # Celery 5.5 send_task asks the app's broker_url (not the
                # producer's connection) whether it talks to RabbitMQ: an
                # app deployed on Redis has broker_url redis://
                app.conf.broker_url = url
        except Exception:  # noqa: BLE001
            pass
    for k, i in enumerate(idxs):
        call = spec['calls'][i]
        rec = base_record(i, call)
        rec.update(app=app_id, sent=False, redisLists=[],
                   deliveredToRedis=[], droppedOnRedis=False)
        out['calls'][i] = rec
        if app is None or config_error(app):
            rec['error'] = (load_errors[app_id] if app is None
                            else config_error(app))
            continue
        r.flushdb()
        r.set(REDIS_SENTINEL, str(os.getpid()))
        worker = Connection(url)
        wch = worker.channel()
        try:
            for q in queues:
                try:
                    q(wch).declare()
                    res = {'app': app_id, 'queue': mask(q.name), 'ok': True}
                except Exception as exc:  # noqa: BLE001
                    res = {'app': app_id, 'queue': mask(q.name), 'ok': False,
                           'error': err_text(exc)}
                if k == 0:
                    out['workerDeclare'].append(res)
            box.clear()
            router = RecordingRouter(app)
            try:
                with app.connection_for_write(url) as conn:
                    producer = app.amqp.Producer(conn)
                    send_one(app, call, producer, router, f'oracle-{i}')
                rec['sent'] = True
            except Exception as exc:  # noqa: BLE001
                rec['error'] = err_text(exc)
            fill_from_route(rec, app, router)
            if rec['error'] is None and 'last' in box:
                fill_from_publish(rec, box['last'])
            keys = []
            for key in sorted(r.keys('*')):
                if r.type(key) != b'list':
                    continue
                for item in r.lrange(key, 0, -1):
                    try:
                        tid = json.loads(item)['headers'].get('id')
                    except Exception:  # noqa: BLE001
                        tid = None
                    if tid == f'oracle-{i}':
                        keys.append(key.decode())
            if r.get(REDIS_SENTINEL) != str(os.getpid()).encode():
                # another client flushed / reused the database meanwhile
                out['interference'] = (
                    f'redis db {REDIS_DB} was flushed or reused by another '
                    f'client during the run')
            rec['redisLists'] = sorted(
                mask(x.replace(REDIS_SEP, '\\x06\\x16')) for x in keys)
            rec['deliveredToRedis'] = sorted({
                landing_label(app, x.split(REDIS_SEP, 1)[0]) for x in keys})
            rec['droppedOnRedis'] = rec['sent'] and not keys
            if k == 0:
                tables = {}
                for key in sorted(r.keys('_kombu.binding.*')):
                    tables[mask(key.decode())] = sorted(
                        mask(v.decode().replace(REDIS_SEP, ' | '))
                        for v in r.smembers(key))
                out.setdefault('bindingTables', {})[app_id] = tables
        finally:
            try:
                worker.release()
            except Exception:  # noqa: BLE001
                pass


def child_main(fixture_dir, part):
    fixture_dir = os.path.abspath(fixture_dir)
    sys.path[0] = fixture_dir        # the project's root, like `celery -A`
    os.chdir(fixture_dir)
    spec = load_spec(fixture_dir)
    name = os.path.basename(fixture_dir)
    t0 = time.time()
    try:
        if part == 'model':
            res = run_model(spec)
        elif part == 'rabbitmq':
            res = run_rabbitmq(spec, name)
        else:
            res = run_redis(spec, name)
    except Exception:  # noqa: BLE001
        res = {'crash': traceback.format_exc()}
    import celery
    import kombu
    res['elapsed'] = round(time.time() - t0, 3)
    res['versions'] = {'celery': celery.__version__,
                       'kombu': kombu.__version__}
    sys.stdout.write(json.dumps(res, default=repr))
    sys.stdout.flush()


# ==========================================================================
# Parent side: fixtures, services, cache, subprocesses
# ==========================================================================
def load_spec(fixture_dir):
    with open(os.path.join(fixture_dir, 'calls.json')) as f:
        spec = json.load(f)
    spec.setdefault('calls', [])
    return spec


def find_fixtures(paths, only):
    out = []
    for p in paths:
        p = os.path.abspath(p)
        if os.path.isfile(os.path.join(p, 'calls.json')):
            out.append(p)
            continue
        for e in sorted(os.listdir(p)):
            d = os.path.join(p, e)
            if os.path.isfile(os.path.join(d, 'calls.json')):
                out.append(d)
    if only:
        want = set(only)
        out = [d for d in out if os.path.basename(d) in want or
               any(os.path.basename(d).startswith(w) for w in want)]
    return out


def fixture_digest(fixture_dir):
    h = hashlib.sha256()
    for root, dirs, files in os.walk(fixture_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for fn in sorted(files):
            if fn.endswith(('.pyc', '.pyo')):
                continue
            p = os.path.join(root, fn)
            h.update(os.path.relpath(p, fixture_dir).encode() + b'\0')
            with open(p, 'rb') as f:
                h.update(f.read() + b'\0')
    return h.hexdigest()


def versions():
    from importlib import metadata
    v = {'python': sys.version.split()[0]}
    for pkg in ('celery', 'kombu', 'amqp', 'redis', 'django'):
        try:
            v[pkg] = metadata.version(pkg)
        except Exception:  # noqa: BLE001
            v[pkg] = None
    return v


def harness_digest():
    with open(HARNESS_FILE, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def cache_key(fixture_dir, part, vers, hdig):
    h = hashlib.sha256()
    h.update(json.dumps({'part': part, 'versions': vers, 'harness': hdig,
                         'fixture': fixture_digest(fixture_dir)},
                        sort_keys=True).encode())
    return h.hexdigest()


def child_env(spec):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('CELERY_', 'DJANGO_', 'PYTHON'))}
    for k in spec.get('unsetEnv') or []:
        env.pop(k, None)
    env['PYTHONDONTWRITEBYTECODE'] = '1'   # keep fixture dirs clean
    env['PYTHONHASHSEED'] = '0'
    env.update({k: str(v) for k, v in (spec.get('env') or {}).items()})
    return env


def run_child(fixture_dir, part, timeout=180, attempts=4):
    """Run one fixture/part in a fresh interpreter; a Redis run disturbed
    by another client of the same database is repeated."""
    for attempt in range(attempts):
        res = _run_child(fixture_dir, part, timeout)
        if not res.get('interference') and not (
                part != 'model' and 'crash' in res):
            break
        time.sleep(1 + 2 * attempt)
    if attempt:
        res['attempts'] = attempt + 1
    return res


# --------------------------------------------------------------------------
# Another Celery in a chroot (--python-root DIR): Debian 13's python3-celery
# 5.5 in a debootstrap tree.  This directory (harness + fixtures) is
# bind-mounted read-only at DIR/mnt/oracle while harness runs use it (a
# shared flock; the last run unmounts), and children run as
# `chroot DIR python3 /mnt/oracle/celery_oracle.py --child ...`.  The
# chroot shares the network namespace: RabbitMQ/Redis on 127.0.0.1 answer.
# --------------------------------------------------------------------------
ROOT = None                      # --python-root, None = this interpreter
ROOT_MNT = '/mnt/oracle'


def _mountpoints():
    with open('/proc/self/mountinfo') as f:
        return {line.split()[4].replace('\\040', ' ') for line in f}


class ChrootMount:
    """Idempotent read-only bind mount of HERE at ROOT/mnt/oracle (only
    test/oracle, never the repository: the chroot lives inside it)."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.target = os.path.join(self.root, ROOT_MNT.lstrip('/'))
        self.lock = None

    def __enter__(self):
        import fcntl
        if not os.path.isfile(os.path.join(self.root, 'usr/bin/python3')):
            raise SystemExit(f'--python-root {self.root}: no usr/bin/python3 '
                             f'(run scripts/setup-tests.sh)')
        if os.path.realpath(HERE).startswith(self.target + os.sep):
            raise SystemExit('refusing to run from inside the chroot mount')
        os.makedirs(os.path.join(self.root, 'run'), exist_ok=True)
        self.lock = open(os.path.join(self.root, 'run', 'celery-oracle.lock'),
                         'a')
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            if self.target not in _mountpoints():
                os.makedirs(self.target, exist_ok=True)
                subprocess.run(['mount', '--bind', HERE, self.target],
                               check=True, capture_output=True, text=True)
                subprocess.run(['mount', '-o', 'remount,bind,ro',
                                self.target],
                               check=True, capture_output=True, text=True)
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_SH)   # others may share it
        return self

    def __exit__(self, *exc):
        import fcntl
        try:   # the last harness run using the mount takes it away
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if self.target in _mountpoints():
                subprocess.run(['umount', self.target], capture_output=True)
        except OSError:
            pass
        finally:
            self.lock.close()
        return False


def child_argv(*args):
    """The interpreter (and harness path) for a child process."""
    if ROOT is None:
        return [sys.executable, HARNESS_FILE, *args]
    return ['chroot', ROOT, '/usr/bin/python3',
            f'{ROOT_MNT}/{os.path.basename(HARNESS_FILE)}', *args]


def child_path(path):
    """A path under HERE as the child sees it."""
    if ROOT is None:
        return path
    return ROOT_MNT + '/' + os.path.relpath(path, HERE).replace(os.sep, '/')


def _run_child(fixture_dir, part, timeout):
    spec = load_spec(fixture_dir)
    t0 = time.time()
    try:
        p = subprocess.run(
            child_argv('--child', child_path(fixture_dir), '--part', part),
            cwd=fixture_dir, env=child_env(spec), capture_output=True,
            text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {'crash': f'timeout after {timeout}s'}
    try:
        res = json.loads(p.stdout)
    except ValueError:
        return {'crash': f'exit {p.returncode}; stdout={p.stdout[-2000:]!r}; '
                         f'stderr={p.stderr[-4000:]}'}
    res['wall'] = round(time.time() - t0, 3)
    if p.stderr.strip():
        res['stderr'] = p.stderr[-4000:]
    return res


def check_rabbitmq(tries=4):
    why = None
    for attempt in range(tries):
        try:
            with socket.create_connection((AMQP_HOST, AMQP_PORT), timeout=2):
                pass
        except OSError as exc:
            why = f'RabbitMQ not reachable on {AMQP_HOST}:{AMQP_PORT}: {exc}'
        else:
            try:
                mgmt('GET', '/overview', timeout=5, retries=0)
                return None
            except Exception as exc:  # noqa: BLE001
                why = (f'RabbitMQ management API not reachable at {MGMT_URL} '
                       f'({exc}); run `rabbitmq-plugins enable '
                       f'rabbitmq_management`')
        if attempt < tries - 1:
            time.sleep(2)            # a broker restarting answers soon
    return why


def check_redis():
    try:
        import redis
    except ImportError:
        return 'python3-redis is not installed'
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB,
                    socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f'Redis not reachable on {REDIS_HOST}:{REDIS_PORT}: {exc}'
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Ask real Celery where every fixture call goes.')
    ap.add_argument('paths', nargs='*',
                    default=[os.path.join(HERE, 'fixtures')])
    ap.add_argument('--broker', default='model',
                    choices=['model', 'rabbitmq', 'redis', 'all'])
    ap.add_argument('--only', default='')
    ap.add_argument('--no-cache', action='store_true')
    ap.add_argument('--cache-dir', default=DEFAULT_CACHE)
    ap.add_argument('--jobs', type=int, default=min(8, os.cpu_count() or 2))
    ap.add_argument('--indent', type=int, default=None)
    ap.add_argument('--python-root', default=None,
                    help='run the children with DIR/usr/bin/python3 in a '
                         'chroot (Debian 13 python3-celery 5.5)')
    ap.add_argument('--child', help=argparse.SUPPRESS)
    ap.add_argument('--part', default='model', help=argparse.SUPPRESS)
    ap.add_argument('--versions', action='store_true',
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.versions:
        sys.stdout.write(json.dumps(versions()) + '\n')
        return None
    if a.child:
        return child_main(a.child, a.part)
    if a.python_root:
        global ROOT
        with ChrootMount(a.python_root) as m:
            ROOT = m.root
            return parent_main(a)
    return parent_main(a)


def child_versions():
    if ROOT is None:
        return versions()
    p = subprocess.run(child_argv('--versions'), capture_output=True,
                       text=True, check=True, env=child_env({}))
    return json.loads(p.stdout)


def parent_main(a):

    t0 = time.time()
    no_cache = a.no_cache or os.environ.get('CELERY_ORACLE_NO_CACHE') == '1'
    fixtures = find_fixtures(a.paths, [x for x in a.only.split(',') if x])
    parts = ['model'] + ({'model': [], 'all': ['rabbitmq', 'redis']}
                         .get(a.broker, [a.broker]))
    services = {}
    if 'rabbitmq' in parts:
        why = check_rabbitmq()
        services['rabbitmq'] = {'available': why is None, 'reason': why}
        if why is None:
            cleanup_stale_vhosts()
    if 'redis' in parts:
        why = check_redis()
        services['redis'] = {'available': why is None, 'reason': why}
    t_versions = time.time()
    vers, hdig = child_versions(), harness_digest()
    cache_dir = os.path.join(a.cache_dir, f"celery-{vers.get('celery')}")
    t_versions = round(time.time() - t_versions, 2)
    if no_cache is False:
        os.makedirs(cache_dir, exist_ok=True)

    def job(fixture_dir, part):
        name = os.path.basename(fixture_dir)
        key = cache_key(fixture_dir, part, vers, hdig)
        path = os.path.join(cache_dir, f'{name}.{part}.json')
        if not no_cache and os.path.isfile(path):
            try:
                with open(path) as f:
                    c = json.load(f)
                if c.get('key') == key:
                    c['result']['cached'] = True
                    return c['result']
            except ValueError:
                pass
        res = run_child(fixture_dir, part)
        res['cached'] = False
        clean = 'crash' not in res and not res.get('problems') and \
            not res.get('interference') and all(
            c is not None and not c.get('problem') for c in res['calls'])
        if clean:
            os.makedirs(cache_dir, exist_ok=True)
            tmp = f'{path}.{os.getpid()}.tmp'
            with open(tmp, 'w') as f:
                json.dump({'key': key, 'result': res}, f)
            os.replace(tmp, path)
        return res

    results = {os.path.basename(d): {} for d in fixtures}
    specs = {os.path.basename(d): load_spec(d) for d in fixtures}
    timing = {}

    def run_part(part, jobs):
        todo = [d for d in fixtures if part == 'model' or
                specs[os.path.basename(d)].get('broker')]
        if part != 'model' and not services[part]['available']:
            for d in todo:
                results[os.path.basename(d)][part] = {
                    'unavailable': services[part]['reason']}
            return
        t = time.time()
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            futs = {d: ex.submit(job, d, part) for d in todo}
            for d, fut in futs.items():
                results[os.path.basename(d)][part] = fut.result()
        timing[part] = {'fixtures': len(todo),
                        'seconds': round(time.time() - t, 2)}

    threads = []
    for part in parts:
        # Redis: one database, so one fixture at a time.  RabbitMQ: a vhost
        # per fixture, safe in parallel.
        jobs = 1 if part == 'redis' else a.jobs
        th = threading.Thread(target=run_part, args=(part, jobs))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()

    doc = {'oracle': {'versions': vers, 'harness': hdig[:16],
                      'parts': parts, 'cacheDir': cache_dir,
                      'pythonRoot': ROOT,
                      'cache': not no_cache},
           'services': services, 'fixtures': []}
    for d in fixtures:
        name = os.path.basename(d)
        spec = specs[name]
        calls = [{'index': i, 'task': c['task'],
                  'via': c.get('via', 'apply_async'),
                  'app': c.get('app') or spec.get('app'),
                  'options': c.get('options') or {},
                  'args': c.get('args') or [],
                  'kwargs': c.get('kwargs') or {}}
                 for i, c in enumerate(spec['calls'])]
        doc['fixtures'].append({
            'name': name, 'dir': d, 'app': spec.get('app'),
            'broker': bool(spec.get('broker')),
            'env': {k: str(v) for k, v in (spec.get('env') or {}).items()},
            'calls': calls,
            **{p: results[name].get(p) for p in PARTS},
        })
    timing['versions'] = t_versions
    timing['total'] = round(time.time() - t0, 2)
    doc['timing'] = timing
    sys.stdout.write(json.dumps(doc, indent=a.indent, default=repr) + '\n')


if __name__ == '__main__':
    main()
