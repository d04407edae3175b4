from celery import shared_task

from . import helpers


@shared_task
def refresh():
    return helpers.LIMIT


@shared_task
def rebuild():
    return helpers.LIMIT * 2
