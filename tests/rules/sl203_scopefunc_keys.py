# What a scoped_session's scopefunc returns decides how separate its
# sessions are: one constant key outside a scope is one session for every
# thread that gets there.
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
Factory = sessionmaker(bind=engine)

# A ContextVar with a constant default, read by a bound get: nothing sets it
# on these threads, so they all get the session of the key "-".
_batch_key: ContextVar[str] = ContextVar("batch_key", default="-")
Batched = scoped_session(Factory, scopefunc=_batch_key.get)


def refresh_totals(shard):
    Batched.execute(text("update totals set n = n + 1 where shard = :s"), {"s": shard})  # expect: SL203 "one constant key"
    Batched.commit()


def refresh_all(shards):
    for shard in shards:
        threading.Thread(target=refresh_totals, args=(shard,)).start()


def reset_batches():
    Batched.remove()


# A lambda returning a literal: one key, whatever runs it.
Pinned = scoped_session(Factory, scopefunc=lambda: 0)


def export_row(row_id):
    return Pinned.execute(text("select * from rows where id = :i"), {"i": row_id}).one()  # expect: SL203 "and `export_row` uses it on a pool's threads"


def export_rows(ids):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(export_row, ids)) + [pool.submit(export_row, i) for i in ids]


# Keyed by the thread, written out: each thread has its own (and removes it).
PerThread = scoped_session(Factory, scopefunc=threading.get_ident)


def sync_row(row_id):
    try:
        PerThread.execute(text("update rows set synced = true where id = :i"), {"i": row_id})
        PerThread.commit()
    finally:
        PerThread.remove()


def sync_rows(ids):
    for i in ids:
        threading.Thread(target=sync_row, args=(i,)).start()


# A scope of the project's own: a context manager that sets the var and
# removes the scope's session.  What runs in its block has its own.
_job_key: ContextVar[str] = ContextVar("job_key", default="")
Jobs = scoped_session(Factory, scopefunc=lambda: _job_key.get())


@contextmanager
def job_scope():
    token = _job_key.set(uuid.uuid4().hex)
    try:
        yield Jobs
    finally:
        Jobs.remove()
        _job_key.reset(token)


def archive(order_id):
    with job_scope():
        Jobs.execute(text("update orders set archived = true where id = :i"), {"i": order_id})
        Jobs.commit()


def archive_all(order_ids):
    for order_id in order_ids:
        threading.Thread(target=archive, args=(order_id,)).start()


# The thread sets the var itself and removes its session in a finally.
def reindex(doc_id):
    token = _job_key.set(f"reindex-{doc_id}")
    try:
        Jobs.execute(text("update docs set indexed = true where id = :i"), {"i": doc_id})
        Jobs.commit()
    finally:
        Jobs.remove()
        _job_key.reset(token)


def reindex_all(doc_ids):
    with ThreadPoolExecutor(8) as pool:
        for doc_id in doc_ids:
            pool.submit(reindex, doc_id)
