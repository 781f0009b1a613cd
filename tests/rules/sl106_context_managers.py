# select: SL106
# SL106: an explicit close inside a with block whose exit closes again.
# The second release is the block's exit, so the finding is reported on the
# with statement (for ExitStack, the stack's with statement).  This file
# runs with --select SL106; nothing in it is a defect of another rule.
import os
from contextlib import ExitStack, closing

import asyncpg
import psycopg
import psycopg2
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Customer

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)
pool = ConnectionPool(DSN)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# close() inside `with SessionLocal() as db`.
def customer_name(customer_id):
    with SessionLocal() as db:  # expect: SL106
        name = db.get(Customer, customer_id).name
        db.close()
    return name


# close() inside `with Session(engine)`.
def customer_count():
    with Session(engine) as session:  # expect: SL106
        n = session.scalar(text("SELECT count(*) FROM customers"))
        session.close()
    return n


# Connection.close() inside `with engine.connect()`.
def ping_engine():
    with engine.connect() as conn:  # expect: SL106
        conn.execute(text("SELECT 1"))
        conn.close()


# a cursor closed inside its own with block.
def customer_ids(conn):
    with conn.cursor() as cur:  # expect: SL106
        cur.execute("SELECT id FROM customers")
        ids = [r[0] for r in cur.fetchall()]
        cur.close()
    return ids


# psycopg 3 connection closed inside `with psycopg.connect()`.
def customer_emails():
    with psycopg.connect(DSN) as conn:  # expect: SL106
        emails = [r[0] for r in conn.execute("SELECT email FROM customers")]
        conn.close()
    return emails


# AsyncSession closed inside `async with`.
async def customer_exists(customer_id):
    async with AsyncSessionLocal() as session:  # expect: SL106
        found = await session.get(Customer, customer_id) is not None
        await session.close()
    return found


# an asyncpg proxy released inside `async with pool.acquire()`: the exit's
# release is a no-op (SL106, not SL101).
async def customer_total():
    async with apg_pool.acquire() as conn:  # expect: SL106
        total = await conn.fetchval("SELECT count(*) FROM customers")
        await apg_pool.release(conn)
    return total


# close() inside contextlib.closing().
def db_size():
    with closing(psycopg2.connect(DSN)) as conn:  # expect: SL106
        with conn.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
        conn.close()
    return size


# close() of a connection entered into an ExitStack.
def schema_names():
    with ExitStack() as stack:  # expect: SL106
        conn = stack.enter_context(engine.connect())
        names = conn.execute(text("SELECT nspname FROM pg_namespace")).scalars().all()
        conn.close()
    return names


# psycopg 3 async connection closed inside its async with.
async def customer_regions():
    async with await psycopg.AsyncConnection.connect(DSN) as aconn:  # expect: SL106
        cur = await aconn.execute("SELECT DISTINCT region FROM customers")
        regions = [r[0] for r in await cur.fetchall()]
        await aconn.close()
    return regions


# quiet: `with db.begin():` ends a transaction; the close after it is the
# session's only release.
def rename_customer(customer_id, name):
    db = SessionLocal()
    try:
        with db.begin():
            db.get(Customer, customer_id).name = name
    finally:
        db.close()


# quiet: psycopg2's `with conn:` does not close; closing() does, once.
def touch_customers():
    with closing(psycopg2.connect(DSN)) as conn:
        with conn:
            with conn.cursor() as cur:
                cur.execute("UPDATE customers SET touched_at = now()")


# quiet: psycopg 3's conn.transaction() does not close the connection.
def merge_customers(keep, drop):
    with psycopg.connect(DSN) as conn:
        with conn.transaction():
            conn.execute("UPDATE orders SET customer_id = %s WHERE customer_id = %s", (keep, drop))
            conn.execute("DELETE FROM customers WHERE id = %s", (drop,))


# quiet: `with conn:` on a pooled psycopg 3 connection commits and leaves it
# open; putconn is its only return.
def archive_customer(customer_id):
    conn = pool.getconn()
    try:
        with conn:
            conn.execute("UPDATE customers SET archived = true WHERE id = %s", (customer_id,))
    finally:
        pool.putconn(conn)


# Quiet: an ExitStack unwinds in reverse, so the cursor it entered last is
# closed before the connection it entered first; nothing is closed twice.
def reindex(tables):
    with ExitStack() as stack:
        conn = stack.enter_context(psycopg.connect(DSN, autocommit=True))
        cur = stack.enter_context(closing(conn.cursor()))
        for t in tables:
            cur.execute("REINDEX TABLE %s" % t)


# A cursor closed inside the stack's block, then again when the stack unwinds.
def analyze(tables):
    with ExitStack() as stack:  # expect: SL106
        conn = stack.enter_context(psycopg.connect(DSN, autocommit=True))
        cur = stack.enter_context(closing(conn.cursor()))
        for t in tables:
            cur.execute("ANALYZE %s" % t)
        cur.close()
