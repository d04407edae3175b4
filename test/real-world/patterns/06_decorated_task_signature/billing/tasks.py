from billing.celery import app
from billing.context import with_context


@app.task(bind=True)
@with_context
def charge(self, invoice_id, *, ctx):
    return invoice_id, ctx


def run():
    charge.delay(invoice_id=7)
