"""SL103 release-skipped: an owned session not closed when a call raises.

The page's bad example with the query made to raise by its input, as a
malformed request does (here a date PostgreSQL refuses): close() is skipped,
the session keeps its pooled connection (in an aborted transaction), and
with the garbage collector running as usual a few such requests empty the
pool; every later request waits for pool_timeout and fails.

The same skip through an async generator: a provider that closes its
session after its yield, driven by `async for` and left by `break`, is
still suspended when the function returns, with the connection checked
out; asyncio's hook closes it later in a task of its own.  With
contextlib.aclosing() the connection is back before the function returns.
"""
# needs: sqlalchemy psycopg2 asyncpg
import asyncio
import contextlib
import gc

from sqlalchemy import Boolean, Column, Date, Integer, create_engine, func, select
from sqlalchemy.exc import DataError, TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0, pool_timeout=1)
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
CALLS = 20


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    active = Column(Boolean, nullable=False)
    joined = Column(Date, nullable=False)


# The page's bad example, with the filter a request gives.
def count_active_users(since):
    db = SessionLocal()  # expect: SL103
    n = db.scalar(select(func.count()).select_from(User).where(User.active, User.joined >= since))
    db.close()                  # skipped when the query raises
    return n


# The page's fixed examples.
def count_active_users_fixed(since):
    with SessionLocal() as db:
        return db.scalar(select(func.count()).select_from(User).where(User.active, User.joined >= since))


def count_active_users_finally(since):
    db = SessionLocal()
    try:
        return db.scalar(select(func.count()).select_from(User).where(User.active, User.joined >= since))
    finally:
        db.close()


async_engine = create_async_engine("postgresql+asyncpg://", pool_size=2, max_overflow=0)
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession)


async def get_db():
    async with AsyncSessionLocal() as session:
        yield session


async def first_user_id():
    async for db in get_db():  # expect: SL103
        uid = await db.scalar(select(func.min(User.id)))
        break
    return uid


async def first_user_id_fixed():
    async with contextlib.aclosing(get_db()) as sessions:
        async for db in sessions:
            return await db.scalar(select(func.min(User.id)))


async def held_after(fn):
    """fn's result, the connections checked out right after it returns, and
    after the event loop has run the tasks it had pending."""
    r = await fn()
    now = async_engine.pool.checkedout()
    for _ in range(50):
        await asyncio.sleep(0.01)
    later = async_engine.pool.checkedout()
    await async_engine.dispose()
    return r, now, later


def body(p):
    Base.metadata.create_all(engine)
    proof.query("INSERT INTO users VALUES (1, true, '2024-01-02'), (2, false, '2024-03-04')")

    for fn in (count_active_users_fixed, count_active_users_finally):
        for _ in range(CALLS):
            e = p.raises(DataError, fn, "not a date")
        p.check(engine.pool.checkedout() == 0, "fixed: a connection is still checked out")
        p.check(fn("2024-01-01") == 1, "fixed: wrong count")
    p.note("the query raises %s" % proof.exc_text(e))
    p.fixed("%d failing calls of each, 0 connections left checked out" % CALLS)

    failed_at = None
    held = []
    for i in range(1, CALLS + 1):
        try:
            count_active_users("not a date")
        except DataError:
            held = [s for _, s, _ in proof.sessions_holding()]
            continue
        except PoolTimeout as e:
            failed_at, err = i, e
            break
    p.check(failed_at is not None, "bad: %d failing calls and the pool still serves" % CALLS)
    p.bad("each failing call keeps its connection (%d 'idle in transaction (aborted)'), "
          "call %d: QueuePool limit of size %d overflow 0 reached" % (
              held.count("idle in transaction (aborted)"), failed_at, engine.pool.size()),
          proof.exc_text(err).split(" (Background")[0])
    gc.collect()
    p.check(engine.pool.checkedout() == 0, "the collector did not return the connections")
    p.note("gc.collect() gives the connections back: the leak lasts until a collection "
           "finds the abandoned sessions")

    r, now, later = asyncio.run(held_after(first_user_id_fixed))
    p.check(r == 1 and now == 0, "async fixed: %r, %d checked out on return" % (r, now))
    p.fixed("aclosing(): 0 connections checked out when the function returns")
    r, now, later = asyncio.run(held_after(first_user_id))
    p.check(r == 1 and now == 1, "async bad: %r, %d checked out on return" % (r, now))
    p.check(later == 0, "async bad: the finalizer did not close it (%d)" % later)
    p.bad("`async for ... break`: the connection is still checked out when the function "
          "returns, and goes back only when asyncio's finalizer task runs")
    p.lint()


proof.run("SL103", body)
