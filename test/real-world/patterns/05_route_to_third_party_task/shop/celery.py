from celery import Celery

app = Celery("shop", broker="memory://")
app.conf.task_routes = {
    "mailqueue.tasks.send_queued": {"queue": "email"},
    "shop.tasks.notify": {"queue": "email"},
}
