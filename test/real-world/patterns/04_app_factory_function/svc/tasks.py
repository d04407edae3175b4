from svc.worker import app


@app.task
def build(project):
    return project


@app.task
def sync():
    return None
