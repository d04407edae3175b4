import os

from celery import Celery

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.production')

app = Celery('shop')

# Every Celery setting lives in Django settings with a CELERY_ prefix:
# CELERY_BROKER_URL, CELERY_TASK_QUEUES, CELERY_TASK_ROUTES, ...
app.config_from_object('django.conf:settings', namespace='CELERY')

# Load tasks.py from every installed app (orders, emails, reports).
app.autodiscover_tasks()


@app.task(bind=True, ignore_result=True)
def debug_task(self):
    print(f'Request: {self.request!r}')
