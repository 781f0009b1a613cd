# Threads and pool jobs that use the thread-scoped registry `Session`.
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from jobs.db import Plain, RequestScoped, Session, end_session, load_counts, session_scope

pool = ThreadPoolExecutor(max_workers=4)


def refresh(item_id):
    Session.execute(text("update items set seen = now() where id = :i"), {"i": item_id})  # expect: SL201 "a thread's target"
    Session.commit()


def count_job():
    return load_counts()  # expect: SL201 "`Session` is used by `count_job` (through `load_counts()`)"


def executor_job(item_id):
    s = Session()  # expect: SL201 "that thread keeps the session for the next job it runs"
    s.execute(text("delete from items where id = :i"), {"i": item_id})
    s.commit()


def refresh_removed(item_id):
    # Quiet: removed in a finally.
    try:
        Session.execute(text("update items set seen = now() where id = :i"), {"i": item_id})
        Session.commit()
    finally:
        Session.remove()


def refresh_closed(item_id):
    # Quiet: the registry's session closed in a finally (its connection goes back).
    try:
        Session.execute(text("update items set seen = now() where id = :i"), {"i": item_id})
        Session.commit()
    finally:
        Session.close()


def count_then_end():
    # Quiet: removed through a helper of the project.
    try:
        return load_counts()
    finally:
        end_session()


def plain_job(item_id):
    # Quiet: a plain sessionmaker's session, closed by its with block.
    with Plain() as s:
        s.execute(text("delete from items where id = :i"), {"i": item_id})
        s.commit()


def scoped_by_func(item_id):
    # Quiet: a registry keyed by its own scopefunc, not by the thread.
    RequestScoped.execute(text("delete from items where id = :i"), {"i": item_id})
    RequestScoped.commit()


def scoped_block_job(item_id):
    # Quiet: every use ends its transaction (commit, or rollback on failure):
    # the session left in the registry holds no connection and no failed state.
    with session_scope() as s:
        s.execute(text("delete from items where id = :i"), {"i": item_id})


def not_started(item_id):
    # Quiet: nothing here starts it on a thread of its own.
    Session.execute(text("delete from items where id = :i"), {"i": item_id})


def start_all(item_id):
    threading.Thread(target=refresh, args=(item_id,)).start()
    threading.Thread(target=refresh_removed, args=(item_id,)).start()
    threading.Thread(target=refresh_closed, args=(item_id,)).start()
    threading.Thread(target=plain_job, args=(item_id,)).start()
    threading.Thread(target=scoped_by_func, args=(item_id,)).start()
    pool.submit(count_job)
    pool.submit(count_then_end)
    pool.submit(scoped_block_job, item_id)


async def start_in_executor(item_id):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, executor_job, item_id)
