# SL302 with two more facts: a write statement built by a helper def (every
# return of it an insert/update/delete construct or a textual write, an async
# helper's when awaited), and the connection's life written as
# `conn = engine.connect()` ... `finally: conn.close()`, whose close() rolls
# back what nothing committed, as the end of a `with` block does.
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Job, Tag

engine = create_engine("postgresql+psycopg://app@db/app")
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")


def stale_jobs(days: int):
    return delete(Job).where(Job.age > days)


def retag(old: str, new: str):
    if old == new:
        return text("UPDATE tag SET name = name WHERE false")
    return update(Tag).where(Tag.name == old).values(name=new)


def job_or_select(done: bool):
    if done:
        return delete(Job)
    return select(Job)


def maybe_stmt(done: bool):
    if done:
        return delete(Job)


async def archive_stmt():
    return insert(Job).values(archived=True)


def purge(days: int) -> None:
    with engine.connect() as conn:
        conn.execute(stale_jobs(days))  # expect: SL302


def rename(old: str, new: str) -> None:
    with engine.connect() as conn:
        stmt = retag(old, new)
        conn.execute(stmt)  # expect: SL302


async def archive() -> None:
    async with async_engine.connect() as conn:
        await conn.execute(await archive_stmt())  # expect: SL302


# Quiet: a helper that may return a select, or None.
def purge_or_list(done: bool) -> None:
    with engine.connect() as conn:
        conn.execute(job_or_select(done))
        conn.execute(maybe_stmt(done))


# Quiet: committed.
def purge_committed(days: int) -> None:
    with engine.connect() as conn:
        conn.execute(stale_jobs(days))
        conn.commit()


# Bad: try/finally, the write never committed.
def purge_finally(days: int) -> int:
    conn = engine.connect()
    try:
        return conn.execute(stale_jobs(days)).rowcount  # expect: SL302 "its close() rolls it back"
    finally:
        conn.close()


async def archive_finally() -> None:
    conn = await async_engine.connect()
    try:
        if conn is not None:
            await conn.execute(text("INSERT INTO job_log (note) VALUES ('archived')"))  # expect: SL302
    finally:
        await conn.close()


# Quiet: committed in the try, or in the finally before the close.
def purge_finally_committed(days: int) -> None:
    conn = engine.connect()
    try:
        conn.execute(stale_jobs(days))
        conn.commit()
    finally:
        conn.close()


def purge_finally_commit_close(days: int) -> None:
    conn = engine.connect()  # expect: SL103
    try:
        conn.execute(update(Job).values(seen=True))
    finally:
        conn.commit()
        conn.close()


# Quiet: a transaction block, a read, a helper that gets the connection.
def purge_in_begin(days: int) -> None:
    conn = engine.connect()
    try:
        with conn.begin():
            conn.execute(stale_jobs(days))
    finally:
        conn.close()


def count_jobs() -> int:
    conn = engine.connect()
    try:
        return conn.execute(select(Job)).rowcount
    finally:
        conn.close()


def run_and_commit(conn, stmt):
    conn.execute(stmt)
    conn.commit()


def purge_by_helper(days: int) -> None:
    conn = engine.connect()
    try:
        run_and_commit(conn, stale_jobs(days))
    finally:
        conn.close()


# Quiet: no close in a finally, the connection's end is not this function's.
def purge_returned(days: int):
    conn = engine.connect()  # expect: SL103
    conn.execute(stale_jobs(days))
    return conn
