# SL103 release-skipped: a scoped session registry keyed by task
# (async_scoped_session with scopefunc=current_task, or scoped_session with
# any scopefunc) keeps each key's session in a dict until remove() is called
# for that key.  A registry that the project's functions use and nothing
# ever removes leaves every task's session behind (with its connection when
# the task stopped inside a transaction), and the dict grows with each task
# (SQLAlchemy's asyncio documentation says to call remove() in the
# outermost awaitable of each task).
# Convention: the finding is on the registry's module-level assignment.
import asyncio
import contextvars

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy import create_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
factory = async_sessionmaker(engine, expire_on_commit=False)
request_id = contextvars.ContextVar("request_id")

# Bad: used by tasks, never removed.
jobs_session = async_scoped_session(factory, scopefunc=asyncio.current_task)  # expect: SL103

# Bad: a sync registry keyed by a context variable, never removed.
sync_engine = create_engine("postgresql+psycopg2://app@db/app")
by_request = scoped_session(sessionmaker(bind=sync_engine), scopefunc=request_id.get)  # expect: SL103

# Quiet: removed at the end of each task.
worker_session = async_scoped_session(factory, scopefunc=asyncio.current_task)

# Quiet: a thread-scoped registry (SL201 reports its use from coroutines).
thread_session = scoped_session(sessionmaker(bind=sync_engine))

# Quiet: nothing uses this one in a function.
unused_session = async_scoped_session(factory, scopefunc=asyncio.current_task)


async def scan_once():
    rows = (await jobs_session.execute(text("select id from job"))).all()
    await jobs_session.commit()
    return rows


def count_for_request():
    return by_request.execute(text("select count(*) from item")).scalar()


async def work_once():
    try:
        await worker_session.execute(text("update job set state = 'run'"))
        await worker_session.commit()
    finally:
        await worker_session.remove()


def count_on_thread():
    try:
        return thread_session.execute(text("select 1")).scalar()
    finally:
        thread_session.remove()


async def main():
    while True:
        await asyncio.gather(asyncio.create_task(scan_once()), asyncio.create_task(work_once()))
        await asyncio.sleep(1)
