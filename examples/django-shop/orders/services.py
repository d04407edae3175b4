"""Order workflows called from views and the admin."""
from celery import current_app
from django.db import transaction

from emails.tasks import send_order_confirmation
from .models import Order
from .tasks import capture_payment, refund_payment


def place_order(order: Order, express: bool = False):
    """The customer confirmed checkout: capture the card, then say thanks."""
    def enqueue():
        # Express checkout captures ahead of the backlog (payments has x-max-priority 10).
        capture_payment.apply_async(args=(order.pk,), priority=9 if express else 5)
        send_order_confirmation.delay(order.pk)

    transaction.on_commit(enqueue)


def refund_order(order: Order, amount_cents: int):
    refund_payment.delay(order.pk, amount_cents)


def request_inventory_sync(skus):
    # Called from the warehouse webhook; by name so the web image does not
    # import the ERP client.
    current_app.send_task('orders.tasks.sync_inventory', kwargs={'sku_list': list(skus)})
