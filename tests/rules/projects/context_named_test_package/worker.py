from celery import Celery

from test_observer.promoter import promote

app = Celery("observer")


@app.task
def promote_task(artefact_id):
    promote(artefact_id)
