from celery import shared_task

from portal.web import views


@shared_task
def send_mail(to):
    return views.index(to)


@shared_task
def cleanup():
    return None
