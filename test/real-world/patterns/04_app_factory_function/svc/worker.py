from celery import Celery

QUEUE_PREFIX = "svc"


def create_application():
    application = Celery("svc", broker="memory://")
    application.conf.task_default_queue = f"{QUEUE_PREFIX}-default"
    application.conf.task_routes = {"svc.tasks.build": {"queue": f"{QUEUE_PREFIX}-build"}}
    return application


app = create_application()
