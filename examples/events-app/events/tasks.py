"""Event handlers. Producers live in events/publish.py."""
import logging

from .app import app

logger = logging.getLogger(__name__)

_local_cache = {}


# -- users ------------------------------------------------------------------

@app.task(ignore_result=True)
def user_signed_up(user_id, plan='free'):
    logger.info('user %s signed up on %s', user_id, plan)


@app.task(ignore_result=True)
def user_deleted(user_id):
    logger.info('purging data of user %s', user_id)


@app.task(ignore_result=True)
def user_email_changed(user_id, old_email, new_email):
    logger.info('user %s changed email %s -> %s', user_id, old_email, new_email)


# -- orders -----------------------------------------------------------------

@app.task(ignore_result=True)
def order_placed(order_id, total_cents):
    logger.info('order %s placed (%s)', order_id, total_cents)


@app.task(ignore_result=True)
def order_paid(order_id):
    logger.info('order %s paid', order_id)


@app.task(ignore_result=True)
def order_shipped(order_id, carrier, tracking_number):
    logger.info('order %s shipped with %s (%s)', order_id, carrier, tracking_number)


# -- batch jobs ---------------------------------------------------------------

@app.task(time_limit=3600, soft_time_limit=3300)
def export_orders(since, until, fmt='csv'):
    logger.info('exporting orders %s..%s as %s', since, until, fmt)
    return f's3://exports/orders-{since}-{until}.{fmt}'


@app.task(time_limit=3600, soft_time_limit=3300)
def import_catalog(feed_url):
    logger.info('importing catalog from %s', feed_url)


# -- notifications ------------------------------------------------------------

@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def send_sms(phone, text):
    logger.info('sms to %s: %s', phone, text)


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def send_push(user_id, title, body):
    logger.info('push to %s: %s', user_id, title)


# -- search / caches ------------------------------------------------------------

@app.task(ignore_result=True)
def reindex_products(product_ids=None):
    logger.info('reindexing %s', product_ids or 'all products')


@app.task(ignore_result=True)
def invalidate_cache(prefix):
    for key in [k for k in _local_cache if k.startswith(prefix)]:
        del _local_cache[key]


@app.task(queue='all_events', ignore_result=True)
def record_audit_entry(actor, action, subject):
    logger.info('audit: %s %s %s', actor, action, subject)
