"""SL102 use-after-release: a resource used after it was released.

The page's bad example: a Session used after close() does not raise; it
checks out a connection again, begins a transaction and nothing returns it.
With the garbage collector running as usual, a few calls empty the
pool and the next one waits for pool_timeout and fails.  Then each other kind of the resource model used after its release:
what the "after release" column of the model says it does (raises).
"""
# needs: sqlalchemy psycopg2 psycopg asyncpg
import asyncio
import contextlib
import gc

import asyncpg
import psycopg
import psycopg2
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.exc import ResourceClosedError, TimeoutError as PoolTimeout
from sqlalchemy.orm import declarative_base, sessionmaker
from sqlalchemy.orm.exc import DetachedInstanceError

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0, pool_timeout=1)
CALLS = 20
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String, nullable=False)


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"), nullable=False)


# The page's bad example.
def user_summary(user_id):
    db = SessionLocal()
    try:
        user = db.get(User, user_id)
    finally:
        db.close()
    n = db.scalar(select(func.count(Order.id)).where(Order.user_id == user_id))  # expect: SL102
    return user.email, n        # db holds a connection again; nobody returns it


# The page's fixed example.
def user_summary_fixed(user_id):
    with SessionLocal() as db:
        user = db.get(User, user_id)
        n = db.scalar(select(func.count(Order.id)).where(Order.user_id == user_id))
    return user.email, n


# The other kinds of the model, each used after its release.
def psycopg2_after_close():
    conn = psycopg2.connect("")
    conn.close()
    conn.cursor()  # expect: SL102


def cursor_after_connection_closed():
    conn = psycopg2.connect("")
    cur = conn.cursor()
    conn.close()
    cur.execute("SELECT 1")  # expect: SL102


def connection_after_close():
    conn = engine.connect()
    conn.close()
    conn.exec_driver_sql("SELECT 1")  # expect: SL102


def psycopg3_after_with():
    with psycopg.connect("") as conn:
        conn.execute("SELECT 1")
    conn.execute("SELECT 1")  # expect: SL102


async def asyncpg_proxy_after_release():
    pool = await asyncpg.create_pool(min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        await conn.fetchval("SELECT 1")  # expect: SL102
    finally:
        await pool.close()


# An object committed and then detached by the session's close: its next
# read cannot reload it.
def email_after_commit(user_id):
    with SessionLocal() as db:
        user = db.get(User, user_id)
        user.email = "ann@example.org"
        db.commit()
    return user.email  # expect: SL102


def email_after_commit_fixed(user_id):
    with SessionLocal() as db:
        user = db.get(User, user_id)
        user.email = "ann@example.org"
        db.commit()
        db.refresh(user)
    return user.email


async_engine = create_async_engine("postgresql+asyncpg://", pool_size=2, max_overflow=0)
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession)


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


# A provider's session taken by hand: nothing keeps the generator.
async def order_count(user_id):
    db = await anext(get_adb())  # expect: SL102
    await asyncio.sleep(0)  # anything that awaits: the event loop runs its tasks
    return await db.scalar(select(func.count(Order.id)).where(Order.user_id == user_id))


async def order_count_fixed(user_id):
    async with contextlib.aclosing(get_adb()) as gen:
        db = await anext(gen)
        await asyncio.sleep(0)
        return await db.scalar(select(func.count(Order.id)).where(Order.user_id == user_id))


async def dropped_generator(fn):
    """fn's result or exception, and the connections still checked out after
    the event loop has run what was pending."""
    try:
        r = await fn(1)
    except Exception as e:
        r = e
    for _ in range(50):
        await asyncio.sleep(0.01)
    held = async_engine.pool.checkedout()
    await async_engine.dispose()
    return r, held


def body(p):
    Base.metadata.create_all(engine)
    with SessionLocal() as db:
        db.add(User(id=1, email="ann@example.com"))
        db.flush()
        db.add(Order(id=1, user_id=1))
        db.commit()

    for _ in range(CALLS):
        p.check(user_summary_fixed(1) == ("ann@example.com", 1), "fixed: wrong result")
    p.check(engine.pool.checkedout() == 0, "fixed: a connection is still checked out")
    p.fixed("%d calls, 0 connections left checked out" % CALLS)

    # The garbage collector runs as usual: a closed-then-reused session is
    # part of reference cycles, so its connection waits for a collection.
    failed_at = None
    for i in range(1, CALLS + 1):
        try:
            p.check(user_summary(1) == ("ann@example.com", 1), "bad: wrong result")
        except PoolTimeout as e:
            failed_at, err = i, e
            break
        held = [s for _, s, _ in proof.sessions_holding()]
    p.check(failed_at is not None, "bad: %d calls and the pool still serves" % CALLS)
    p.check(held.count("idle in transaction") >= 1, "bad: no backend idle in transaction")
    p.bad("Session reused after close(): %d 'idle in transaction', call %d: QueuePool limit "
          "of size %d overflow 0 reached" % (held.count("idle in transaction"), failed_at,
                                              engine.pool.size()),
          proof.exc_text(err).split(" (Background")[0])
    gc.collect()
    p.check(engine.pool.checkedout() == 0, "the collector did not return the connections")
    p.note("gc.collect() gives the connections back: the leak lasts until a collection "
           "finds the session's reference cycles")

    seen = []
    held = []
    for fn, types in ((psycopg2_after_close, psycopg2.InterfaceError),
                      (cursor_after_connection_closed, psycopg2.InterfaceError),
                      (connection_after_close, ResourceClosedError),
                      (psycopg3_after_with, psycopg.OperationalError)):
        e = p.raises(types, fn)
        seen.append(type(e).__name__)
        p.note("%s: %s" % (fn.__name__, proof.exc_text(e)))
    p.check(email_after_commit_fixed(1) == "ann@example.org", "fixed: wrong email")
    e = p.raises(DetachedInstanceError, email_after_commit, 1)
    seen.append(type(e).__name__)
    p.note("email_after_commit: %s" % proof.exc_text(e).split(" (Background")[0])
    e = p.raises(asyncpg.InterfaceError, asyncio.run, asyncpg_proxy_after_release())
    p.note("asyncpg proxy after release: %s" % proof.exc_text(e))
    asyncpg_error = type(e).__name__

    r, held = asyncio.run(dropped_generator(order_count_fixed))
    p.check(r == 1 and held == 0, "async fixed: %r, %d checked out after" % (r, held))
    r, held = asyncio.run(dropped_generator(order_count))
    p.check(isinstance(r, Exception), "async bad: the query did not fail (%r)" % (r,))
    p.note("`await anext(get_adb())`: asyncio's task closed the session under the query in "
           "flight: %s" % proof.exc_text(r))
    p.bad("closed psycopg2 conn, cursor: %s, %s; Connection: %s; psycopg: %s; "
          "object read after commit and close: %s; asyncpg proxy: %s; session of a dropped "
          "async generator: %s" % tuple(seen + [asyncpg_error, type(r).__name__]))
    p.lint()


proof.run("SL102", body)
