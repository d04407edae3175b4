from celery import shared_task


@shared_task
def notify(user_id):
    return user_id
