# select: SL106
"""Blind cases: redundant releases of idempotent resources (SL106, selected)."""
import asyncpg
import psycopg
import psycopg2
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

eng = create_engine("postgresql://m@db/m")
Maker = sessionmaker(bind=eng)
aeng = create_async_engine("postgresql+asyncpg://m@db/m")
AMaker = async_sessionmaker(aeng)
pp = ConnectionPool("dbname=m")


# Bad: close() inside a with that closes too; reported on the with.
def metrics():
    with Maker() as s:  # expect: SL106
        s.execute(text("select 1"))
        s.close()


# Bad: async with plus await close() in finally inside it.
async def ametrics():
    async with AMaker() as s:  # expect: SL106
        try:
            await s.execute(text("select 1"))
        finally:
            await s.close()


# Bad: close in except and again in finally.
def except_and_finally():
    s = Maker()
    try:
        s.execute(text("select 1"))
    except Exception:
        s.close()
        raise
    finally:
        s.close()  # expect: SL106


# Bad: a cursor closed inside its own with.
def cursor_twice(conn):
    with conn.cursor() as cur:  # expect: SL106
        cur.execute("select 1")
        cur.close()


# Bad: psycopg 3 connection closed inside its with.
def pg3_twice():
    with psycopg.connect("dbname=m") as c:  # expect: SL106
        c.execute("select 1")
        c.close()


# Bad: asyncpg pool release twice is a no-op, so SL106 (not SL101).
async def apool_twice(dsn):
    pool = await asyncpg.create_pool(dsn)
    proxy = await pool.acquire()
    try:
        await proxy.execute("select 1")
        await pool.release(proxy)
    finally:
        await pool.release(proxy)  # expect: SL106


# Bad: release inside async with pool.acquire().
async def apool_in_block(dsn):
    pool = await asyncpg.create_pool(dsn)
    async with pool.acquire() as proxy:  # expect: SL106
        await proxy.execute("select 1")
        await pool.release(proxy)


# Bad: SQLAlchemy Connection closed in its with.
def sa_conn_twice():
    with eng.connect() as c:  # expect: SL106
        c.execute(text("select 1"))
        c.close()


# Good: psycopg2 `with conn:` does not close; explicit close in finally once.
def pg2_with_then_close():
    c = psycopg2.connect("dbname=m")
    try:
        with c:
            c.commit()
    finally:
        c.close()


# Good: pooled psycopg connection: inner `with conn:` does not close it.
def pooled_inner_with():
    with pp.connection() as c:
        with c:
            c.execute("select 1")


# Good: session begin() blocks are not releases.
def begin_blocks():
    with Maker() as s:
        with s.begin():
            s.execute(text("select 1"))
        with s.begin():
            s.execute(text("select 2"))


# Good: each connection closed once; the name is rebound in between.
def rebound():
    c = psycopg2.connect("dbname=a")
    c.close()
    c = psycopg2.connect("dbname=b")
    c.close()
