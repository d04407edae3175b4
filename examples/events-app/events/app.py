from celery import Celery

app = Celery('events', include=['events.tasks'])
app.config_from_object('events.celeryconfig')


if __name__ == '__main__':
    app.start()
