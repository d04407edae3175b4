import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


@shared_task(rate_limit='20/s', ignore_result=True)
def send_order_confirmation(order_id):
    from orders.models import Order

    order = Order.objects.select_related('customer').get(pk=order_id)
    send_mail(
        subject=f'Your order #{order.pk}',
        message=f'Thanks! We received {order.total_cents / 100:.2f} {order.currency}.',
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.customer.email],
    )


@shared_task(ignore_result=True)
def send_password_reset(user_id, reset_url):
    user = get_user_model().objects.get(pk=user_id)
    send_mail('Reset your password', reset_url, settings.DEFAULT_FROM_EMAIL, [user.email])


@shared_task(ignore_result=True)
def send_report_ready(user_id, download_url):
    user = get_user_model().objects.get(pk=user_id)
    send_mail('Your export is ready', download_url, settings.DEFAULT_FROM_EMAIL, [user.email])
