from celery import Celery, Task

from worker import store
from worker.store import Mirror, archive, ledger

queue = Celery("ledger")


class Audited(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        ledger.reopen()
        ledger.record(f"failed {task_id}")


@queue.task(base=Audited)
def post_entry(entry: str):
    archive.refresh()
    store.lazy_engine()
    store.flagged_engine()
    ledger.record(entry)


@queue.task
def copy_entry(entry: str):
    mirror = Mirror(store.DSN)
    mirror.connect()
    with mirror.engine.begin() as conn:
        conn.execute(entry)
    mirror.engine.dispose()
