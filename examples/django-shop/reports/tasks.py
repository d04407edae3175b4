import csv
import io
import logging
from datetime import date, timedelta

from celery import shared_task
from django.core.cache import cache
from django.db.models import Count, Sum

from emails.tasks import send_report_ready

logger = logging.getLogger(__name__)


@shared_task
def generate_sales_report(day=None):
    from orders.models import Order

    day = date.fromisoformat(day) if day else date.today() - timedelta(days=1)
    totals = (Order.objects
              .filter(paid_at__date=day)
              .aggregate(orders=Count('id'), revenue=Sum('total_cents')))
    logger.info('sales report for %s: %s', day, totals)
    return {'day': day.isoformat(), **totals}


@shared_task
def export_orders_csv(user_id, status=None):
    from orders.models import Order

    rows = Order.objects.all() if status is None else Order.objects.filter(status=status)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(['id', 'status', 'total_cents', 'currency', 'created_at'])
    for o in rows.iterator():
        writer.writerow([o.pk, o.status, o.total_cents, o.currency, o.created_at.isoformat()])
    key = f'exports/orders-{user_id}.csv'
    cache.set(key, buf.getvalue(), timeout=24 * 3600)
    send_report_ready.delay(user_id, f'/downloads/{key}')


@shared_task(queue='default', ignore_result=True)
def refresh_dashboard_cache():
    cache.delete_many(['dashboard:today', 'dashboard:week'])
