"""Blind cases: use after release (SL102) across kinds."""
import asyncpg
import psycopg
import psycopg2
from psycopg_pool import ConnectionPool
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

eng = create_engine("postgresql://svc@db/svc")
Factory = sessionmaker(bind=eng)
shared_pool = ConnectionPool("dbname=svc")
legacy = ThreadedConnectionPool(1, 4, "dbname=svc")


# Bad: psycopg2 connection used after close.
def ledger_entry(amount):
    link = psycopg2.connect("dbname=svc")
    try:
        link.commit()
    finally:
        link.close()
    link.rollback()  # expect: SL102


# Bad: a cursor used after its connection was closed.
def fetch_after_close():
    link = psycopg2.connect("dbname=svc")
    try:
        cur = link.cursor()
        cur.execute("select 1")
    finally:
        link.close()
    return cur.fetchall()  # expect: SL102


# Bad: cursor used after its own with-block.
def cursor_after_with(link):
    with link.cursor() as cur:
        cur.execute("select 1")
    cur.execute("select 2")  # expect: SL102


# Good: reading `.closed` after close is an attribute read, not a use.
def closed_flag():
    link = psycopg2.connect("dbname=svc")
    try:
        link.commit()
    finally:
        link.close()
    return link.closed


# Bad: SQLAlchemy Connection used after its with-block; only the first use is reported.
def sa_conn_after_with():
    with eng.connect() as conn:
        conn.execute(text("select 1"))
    conn.execute(text("select 2"))  # expect: SL102
    conn.execute(text("select 3"))


# Bad: psycopg 3 connection used after its with-block closed it.
def psycopg3_after_with():
    with psycopg.connect("dbname=svc") as pc:
        pc.execute("select 1")
    pc.execute("select 2")  # expect: SL102


# Bad: pooled connection used after its with pool.connection() block.
def pooled_after_block():
    with shared_pool.connection() as pc:
        pc.execute("select 1")
    pc.commit()  # expect: SL102


# Bad: asyncpg proxy used after release.
async def asyncpg_after_release(dsn):
    pool = await asyncpg.create_pool(dsn)
    proxy = await pool.acquire()
    try:
        await proxy.execute("select 1")
    finally:
        await pool.release(proxy)
    return await proxy.fetch("select 2")  # expect: SL102


# Bad: asyncpg connection used after close.
async def asyncpg_after_close():
    ac = await asyncpg.connect("postgresql://svc@db/svc")
    try:
        await ac.execute("select 1")
    finally:
        await ac.close()
    await ac.fetchval("select 2")  # expect: SL102


# Bad: a closed session used again and never closed again.
def session_reopened(ids):
    s = Factory()
    try:
        s.execute(text("select 1"))
    finally:
        s.close()
    return s.execute(text("select 2")).all()  # expect: SL102


# Good: closing between batches and closing again in finally.
def session_batches(batches):
    s = Factory()
    try:
        for batch in batches:
            s.execute(text("select :b"), {"b": batch})
            s.commit()
            s.close()
    finally:
        s.close()


# Good: the name is rebound to a fresh connection before use.
def rebound_after_close():
    link = psycopg2.connect("dbname=a")
    try:
        link.commit()
    finally:
        link.close()
    link = psycopg2.connect("dbname=b")
    try:
        link.commit()
    finally:
        link.close()


# Bad: putconn then use, in a branch.
def pooled_branch(early):
    c = legacy.getconn()
    if early:
        legacy.putconn(c)
    try:
        c.commit()  # expect: SL102
    finally:
        if not early:
            legacy.putconn(c)
