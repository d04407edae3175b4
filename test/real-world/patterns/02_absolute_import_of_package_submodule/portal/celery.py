from celery import Celery

app = Celery("portal", broker="memory://")
app.conf.task_default_queue = "web_default"
app.conf.task_routes = {"portal.jobs.send_mail": {"queue": "mail"}}
