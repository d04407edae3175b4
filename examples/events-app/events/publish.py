"""Publishing helpers used by the HTTP API and the order pipeline."""
from .app import app
from .tasks import (
    invalidate_cache,
    order_placed,
    order_shipped,
    record_audit_entry,
    reindex_products,
    send_push,
    send_sms,
    user_deleted,
    user_signed_up,
)


def on_signup(user):
    user_signed_up.delay(user['id'], plan=user.get('plan', 'free'))
    record_audit_entry.delay('system', 'signup', f"user:{user['id']}")


def on_account_deleted(user_id):
    # Grace period: support can still undo a deletion for ten minutes.
    user_deleted.apply_async((user_id,), countdown=600)


def on_order_placed(order):
    order_placed.delay(order['id'], order['total_cents'])
    send_sms.delay(order['phone'], f"Thanks! Order {order['id']} is confirmed.")


def on_order_paid(order_id):
    # Published by name: the payment gateway service does not import our tasks.
    app.send_task('events.tasks.order_paid', args=[order_id])


def on_order_shipped(order, carrier, tracking):
    order_shipped.apply_async((order['id'], carrier, tracking), routing_key='order.shipped')
    send_push.delay(order['user_id'], 'Your order is on its way', f'{carrier}: {tracking}')


def on_products_changed(product_ids):
    reindex_products.delay(list(product_ids))
    invalidate_cache.delay('catalog:')


def request_export(since, until):
    return app.send_task('events.tasks.export_orders', args=[since, until], kwargs={'fmt': 'csv'})
