#!/usr/bin/python3
"""Real Celery publishing into a real RabbitMQ vhost that already holds imported definitions.

Usage: publish.py PROJECT_DIR APP_ID CALLS_JSON AMQP_URL VHOST
Like ../shared/oracle/broker_e2e.py: a "worker" declares app.amqp.queues (per queue, on its own channel),
then each call is sent with publisher confirms (task_id defs-<i>) and every queue of the vhost is drained
to see where it landed. Prints one JSON document: [{index, sent, error, landed}].
"""
import base64
import importlib
import json
import os
import sys
import urllib.parse
import urllib.request

project, app_id, calls_path, url, vhost = sys.argv[1:6]
os.environ['BROKER_URL'] = url
sys.path.insert(0, project)
from kombu import Connection  # noqa: E402

AUTH = 'Basic ' + base64.b64encode(b'guest:guest').decode()


def queues():
    req = urllib.request.Request(
        'http://127.0.0.1:15672/api/queues/' + urllib.parse.quote(vhost, safe='') + '?columns=name',
        headers={'Authorization': AUTH})
    with urllib.request.urlopen(req, timeout=10) as r:
        return sorted(q['name'] for q in json.loads(r.read()))


def drain(conn):
    found = {}
    for qn in queues():
        ch = conn.channel()
        try:
            while True:
                m = ch.basic_get(qn, no_ack=True)
                if m is None:
                    break
                tid = (m.properties.get('application_headers') or {}).get('id')
                found.setdefault(tid, []).append(qn)
        finally:
            ch.close()
    return found


def err(exc):
    return f'{type(exc).__name__}: {exc}'


mod, _, var = app_id.partition(':')
app = getattr(importlib.import_module(mod), var)
for m in app.conf.include or ():
    importlib.import_module(m)
calls = json.load(open(calls_path))
out = []
worker = Connection(url)
worker.connect()
for q in app.amqp.queues.values():
    ch = worker.channel()
    try:
        q(ch).declare()
    except Exception as exc:  # noqa: BLE001
        out.append({'worker_declare': q.name, 'error': err(exc)})
    finally:
        try:
            ch.close()
        except Exception:  # noqa: BLE001
            pass
raw = worker.connection
drain(raw)
for i, c in enumerate(calls):
    rec = {'index': i, 'task': c['task'], 'sent': False, 'error': None}
    tid = f'defs-{i}'
    try:
        with app.connection_for_write(url, transport_options={'confirm_publish': True}) as conn:
            producer = app.amqp.Producer(conn)
            opts = dict(c.get('options') or {})
            if c.get('via') == 'send_task':
                app.send_task(c['task'], producer=producer, task_id=tid, **opts)
            else:
                app.tasks[c['task']].apply_async(producer=producer, task_id=tid, **opts)
        rec['sent'] = True
    except Exception as exc:  # noqa: BLE001
        rec['error'] = err(exc)
    rec['landed'] = sorted(drain(raw).get(tid, []))
    out.append(rec)
worker.release()
print(json.dumps(out))
