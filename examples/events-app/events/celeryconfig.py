"""Celery configuration for the events service (loaded by events/app.py)."""
import os
import re

from kombu import Exchange, Queue
from kombu.common import Broadcast

broker_url = os.environ.get('EVENTS_BROKER_URL', 'amqp://guest:guest@localhost:5672//')
result_backend = os.environ.get('EVENTS_RESULT_BACKEND', 'rpc://')

task_serializer = 'json'
accept_content = ['json']
task_acks_late = True
worker_prefetch_multiplier = 4
timezone = 'UTC'

# Domain events fan out over a topic exchange; the audit consumer gets a copy
# of everything published there.
events = Exchange('events', type='topic', durable=True)
# Outbound notifications: one queue per channel.
notifications = Exchange('notifications', type='topic', durable=True)

task_default_queue = 'default'

task_queues = (
    Queue('default', Exchange('default', type='direct'), routing_key='default'),
    Queue('bulk', Exchange('bulk', type='direct'), routing_key='bulk'),
    Queue('user_events', events, routing_key='user.*'),
    Queue('order_events', events, routing_key='order.#'),
    Queue('all_events', events, routing_key='#'),
    Queue('push_notifications', notifications, routing_key='notify.push.*'),
    Queue('sms_notifications', notifications, routing_key='notify.sms.*'),
    # Every worker started with -Q cache_invalidation gets its own copy.
    Broadcast('cache_invalidation'),
)

task_routes = {
    # -- users ---------------------------------------------------------------
    'events.tasks.user_signed_up': {'queue': 'user_events', 'routing_key': 'user.signed_up'},
    'events.tasks.user_*': {'queue': 'user_events'},

    # -- orders --------------------------------------------------------------
    'events.tasks.order_placed': {'exchange': 'events', 'routing_key': 'order.placed'},
    re.compile(r'^events\.tasks\.order_(paid|refunded|shipped)$'): {'queue': 'order_events'},

    # -- batch jobs: exports and imports share the single-slot bulk worker ---
    re.compile(r'^events\.tasks\.(export|import)_'): {'queue': 'bulk'},

    # -- notifications -------------------------------------------------------
    'events.tasks.send_sms': {'queue': 'sms_notifications', 'routing_key': 'notify.sms.transactional'},
    'events.tasks.send_push': {'queue': 'push_notifications', 'routing_key': 'notify.push'},

    # -- search --------------------------------------------------------------
    'events.tasks.reindex_*': {'queue': 'default', 'exchange': 'default', 'routing_key': 'search'},

    # -- caches --------------------------------------------------------------
    'events.tasks.invalidate_cache': {'queue': 'cache_invalidation'},
}
