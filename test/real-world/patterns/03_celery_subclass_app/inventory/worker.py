from celery import Celery
from kombu import Queue


class InventoryCelery(Celery):
    """A project-specific app class (adds nothing routing-related)."""

    def gen_task_name(self, name, module):
        return super().gen_task_name(name, module)


app = InventoryCelery("inventory", broker="memory://")
app.conf.task_queues = [Queue("stock"), Queue("reports")]
app.conf.task_default_queue = "stock"
app.conf.task_routes = {"inventory.worker.monthly_report": {"queue": "reports"}}


@app.task
def recount(sku):
    return sku


@app.task
def monthly_report():
    return None
