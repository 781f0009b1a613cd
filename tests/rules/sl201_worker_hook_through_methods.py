# SL201 for worker tasks whose registry is kept on a module-level service
# object: a per-task signal handler (Celery's task_prerun/task_postrun,
# decorated or passed to connect()) that removes it through the object's
# own methods counts as the per-task removal, as one that removes a
# module-level registry directly does.  A handler that reaches only another
# registry, or that does not remove(), leaves the task reported.
from celery import Celery
from celery.signals import task_postrun, task_prerun
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from ledger.models import Entry

worker = Celery("ledger")
engine = create_engine("postgresql+psycopg2://ledger@db/ledger")


class Books:
    def __init__(self):
        self._registry = scoped_session(sessionmaker(bind=engine))

    @property
    def session(self):
        return self._registry()

    def discard(self):
        self._registry.remove()


class Audit:
    def __init__(self):
        self._registry = scoped_session(sessionmaker(bind=engine))

    @property
    def session(self):
        return self._registry()

    def flush_all(self):
        self._registry.commit()  # not a removal: the thread keeps its session


class Archive:
    def __init__(self):
        self._registry = scoped_session(sessionmaker(bind=engine))

    def drop(self):
        self._registry.remove()


books = Books()
audit = Audit()
archive = Archive()


def reset_books(**kwargs):
    books.discard()


# Quiet: the handler connected below removes books' registry before each task.
task_prerun.connect(reset_books)


@worker.task
def post_entry(amount: int) -> None:
    books.session.add(Entry(amount=amount))
    books.session.commit()


@task_postrun.connect
def after_task(**kwargs):
    audit.flush_all()
    archive.drop()


# Reported: the handler commits audit's registry but removes only archive's.
@worker.task
def audit_entry(entry_id: int) -> None:
    audit.session.get(Entry, entry_id)  # expect: SL201 "does not remove() it"
