# A module-level object whose property gives its registry's session is
# that registry: `store.session` of the one `store`.  Its scopefunc reads a
# ContextVar that only `store.scope()` sets: outside it, the key is None.
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import uuid4

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker


class Store:
    def __init__(self, url):
        self._key = ContextVar("store_key", default=None)
        self._registry = scoped_session(sessionmaker(bind=create_engine(url)), self._current)

    def _current(self):
        return self._key.get()

    @property
    def session(self):
        return self._registry()

    @contextmanager
    def scope(self):
        token = self._key.set(uuid4())
        try:
            yield self
        finally:
            self._registry.remove()
            self._key.reset(token)


store = Store("postgresql+psycopg2://app@db/app")


def count_pending():
    return store.session.execute(text("select count(*) from outbox")).scalar()


def flush_outbox():
    store.session.execute(text("update outbox set sent = true"))
    store.session.commit()


def deliver():
    flush_outbox()  # expect: SL203 "the function that schedules it"


def watch_outbox(sched: BaseScheduler):
    if count_pending():
        sched.add_job(deliver, "interval", seconds=30)


# The same store, each run in a scope of its own: quiet.
def deliver_scoped():
    with store.scope():
        flush_outbox()


def watch_scoped(sched: BaseScheduler):
    with store.scope():
        if count_pending():
            sched.add_job(deliver_scoped, "interval", seconds=30)


def fan_out(batches):
    for _ in batches:
        threading.Thread(target=deliver_scoped).start()
