"""SL106 redundant-release: a second release of an idempotent resource.

The rule says the second release is harmless; the proof checks that for the
page's example (close() in finally inside `async with AsyncSessionLocal()`)
and for every kind whose second release the resource model calls
idempotent: SQLAlchemy Session and Connection, psycopg2 and psycopg
connections, cursors, asyncpg connections and pool proxies.  Each second
release must raise nothing and leave nothing checked out; the committed
work must be there.  The "failure" this rule shows is that there is none.
"""
# needs: sqlalchemy psycopg2 psycopg asyncpg
import asyncio
from contextlib import asynccontextmanager

import asyncpg
import psycopg
import psycopg2
from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

async_engine = create_async_engine("postgresql+asyncpg://")
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession, expire_on_commit=False)
engine = create_engine("postgresql+psycopg2://")
Base = declarative_base()


class Event(Base):
    __tablename__ = "events"
    id = Column(Integer, primary_key=True)


# The page's bad example.
@asynccontextmanager
async def get_async_db():
    async with AsyncSessionLocal() as session:  # expect: SL106
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise
        finally:
            await session.close()   # async with closes it again


# The page's fixed example.
@asynccontextmanager
async def get_async_db_fixed():
    async with AsyncSessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


async def page_example(dependency, event_id):
    async with dependency() as session:
        session.add(Event(id=event_id))
    await async_engine.dispose()


# Each kind of the model released twice.
def session_twice():
    db = Session(engine)
    db.add(Event(id=10))
    db.commit()
    db.close()
    db.close()  # expect: SL106


def connection_twice():
    with engine.connect() as conn:  # expect: SL106
        conn.exec_driver_sql("SELECT 1")
        conn.close()


def psycopg2_twice():
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SELECT 1")
    cur.close()
    cur.close()  # expect: SL106
    conn.close()
    conn.close()  # expect: SL106


def psycopg3_twice():
    with psycopg.connect("") as conn:  # expect: SL106
        with conn.cursor() as cur:  # expect: SL106
            cur.execute("SELECT 1")
            cur.close()
        conn.close()


async def asyncpg_twice():
    conn = await asyncpg.connect()
    await conn.fetchval("SELECT 1")
    await conn.close()
    await conn.close()  # expect: SL106
    pool = await asyncpg.create_pool(min_size=1, max_size=1)
    try:
        proxy = await pool.acquire()
        await proxy.fetchval("SELECT 1")
        await pool.release(proxy)
        await pool.release(proxy)  # expect: SL106
        async with pool.acquire() as again:  # the pool still serves
            await again.fetchval("SELECT 1")
    finally:
        await pool.close()


def body(p):
    Base.metadata.create_all(engine)
    asyncio.run(page_example(get_async_db_fixed, 1))
    p.fixed("one close, committed")
    asyncio.run(page_example(get_async_db, 2))
    session_twice()
    connection_twice()
    psycopg2_twice()
    psycopg3_twice()
    asyncio.run(asyncpg_twice())
    rows = [r[0] for r in proof.query("SELECT id FROM events ORDER BY id")]
    p.check(rows == [1, 2, 10], "the committed events are not all there: %r" % rows)
    p.check(engine.pool.checkedout() == 0, "a connection is still checked out")
    engine.dispose()  # closes the pool's idle connections
    p.check(proof.sessions_holding() == [], "backends still connected: %r"
            % proof.sessions_holding())
    p.bad("harmless: second close()/release() of AsyncSession, Session, Connection, psycopg2 "
          "and psycopg conn and cursor, asyncpg conn and proxy: no error, nothing held")
    p.lint()


proof.run("SL106", body)
