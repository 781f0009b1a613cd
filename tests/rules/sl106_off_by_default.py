# SL106 is off by default: the same redundant releases as in
# sl106_redundant.py and sl106_context_managers.py, checked without
# --select, report nothing.  In particular a second release of an asyncpg
# pool proxy is harmless (a no-op) and must not be reported as SL101.
import os

import asyncpg
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# close() in except and in finally.
def purge_sessions():
    db = SessionLocal()
    try:
        db.execute(text("DELETE FROM web_sessions WHERE expires_at < now()"))
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        db.close()
        raise
    finally:
        db.close()


# close() inside the with block that closes.
def session_count():
    with SessionLocal() as db:
        n = db.scalar(text("SELECT count(*) FROM web_sessions"))
        db.close()
    return n


# a psycopg2 connection closed at the end of try and in finally.
def touch_heartbeat():
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE heartbeat SET at = now()")
        conn.commit()
        conn.close()
    finally:
        conn.close()


# an asyncpg proxy released twice.
async def heartbeat_age():
    conn = await apg_pool.acquire()
    try:
        age = await conn.fetchval("SELECT now() - at FROM heartbeat")
        await apg_pool.release(conn)
        return age
    finally:
        await apg_pool.release(conn)


# an asyncpg proxy released inside its async with.
async def heartbeat_at():
    async with apg_pool.acquire() as conn:
        at = await conn.fetchval("SELECT at FROM heartbeat")
        await apg_pool.release(conn)
    return at
