from celery import Celery

from svc.models import Build

app = Celery("svc", broker="redis://redis:6379/0")


@app.task
def finish(build_id, status):
    if Build.by_id(build_id) is None:
        return False
    Build.mark(build_id, status)
    return True
