# SL201 shared-across-requests, for worker tasks: a Celery (or dramatiq)
# task runs on one of the worker's long-lived threads.  A thread-scoped
# scoped_session it uses and does not remove() goes on to the next task on
# that thread; after one failed commit every later task there fails at its
# first query (PendingRollbackError) until the worker restarts.
# Convention: the finding is on the first use of the registry in the task.
from celery import Celery, shared_task
from celery.signals import task_postrun
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from app.models import AIP, FetchJob

engine = create_engine("postgresql+psycopg2://app@db/app")
db_session = scoped_session(sessionmaker(bind=engine))
jobs_session = scoped_session(sessionmaker(bind=engine))
celery = Celery("app")


@celery.task()
def get_mets(package_uuid: str, fetch_job_id: int) -> None:
    job = db_session.get(FetchJob, fetch_job_id)  # expect: SL201
    db_session.add(AIP(uuid=package_uuid, fetch_job_id=job.id))
    db_session.commit()


@shared_task
def delete_fetch_job(fetch_job_id: int) -> None:
    job = db_session.get(FetchJob, fetch_job_id)  # expect: SL201
    db_session.delete(job)
    db_session.commit()


# Quiet: removed in the task's own finally.
@celery.task()
def count_jobs() -> int:
    try:
        return db_session.query(FetchJob).count()
    finally:
        db_session.remove()


# Quiet: another registry, removed after every task by a signal handler.
@celery.task()
def touch_job(fetch_job_id: int) -> None:
    job = jobs_session.get(FetchJob, fetch_job_id)
    job.total_aips += 0
    jobs_session.commit()


@task_postrun.connect
def cleanup(**kwargs) -> None:
    jobs_session.remove()


def with_db_session(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception:
            db_session.rollback()
            raise
        finally:
            db_session.remove()

    return wrapper


# Quiet: a decorator of the project removes it around each call.
@celery.task()
@with_db_session
def rename_job(fetch_job_id: int, name: str) -> None:
    db_session.get(FetchJob, fetch_job_id).name = name
    db_session.commit()


# Quiet: not a task (a plain helper; whoever calls it owns the question).
def helper(fetch_job_id: int):
    return db_session.get(FetchJob, fetch_job_id)
