from celery import Celery

app = Celery("proj", broker="memory://")
app.conf.task_default_queue = "main"
app.conf.task_routes = {"proj.pkg.tasks.rebuild": {"queue": "slow"}}
