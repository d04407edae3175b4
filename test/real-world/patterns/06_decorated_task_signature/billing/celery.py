from celery import Celery

app = Celery("billing", broker="memory://")
app.conf.task_default_queue = "billing"
