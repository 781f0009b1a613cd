# SL103 in loops: a resource acquired per iteration and not released by the
# end of that iteration on some path (rebinding in the next iteration loses
# it; break or continue skips its release; a failure is retried with a new
# one).  Reported on the acquisition.
import asyncio
import os
import time

import asyncpg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
pg_pool = ThreadedConnectionPool(1, 20, DSN)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# one connection per replica, only the last one is closed after the loop.
def replica_lag(dsns):
    lag = {}
    conn = None
    for dsn in dsns:
        conn = psycopg2.connect(dsn)  # expect: SL103
        with conn.cursor() as cur:
            cur.execute("SELECT now() - pg_last_xact_replay_timestamp()")
            lag[dsn] = cur.fetchone()[0]
    if conn is not None:
        conn.close()
    return lag


# continue for inactive tenants skips the try/finally that gives the
# connection back.
def reindex_tenants(tenants):
    for tenant in tenants:
        conn = pg_pool.getconn()  # expect: SL103
        if not tenant.active:
            continue
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT reindex_tenant(%s)", (tenant.id,))
            conn.commit()
        finally:
            pg_pool.putconn(conn)


# break keeps the connection of the matching day checked out.
def first_free_slot(days):
    row = None
    for day in days:
        conn = pg_pool.getconn()  # expect: SL103
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT slot FROM slots WHERE day = %s AND free LIMIT 1", (day,))
                row = cur.fetchone()
        except psycopg2.Error:
            pg_pool.putconn(conn, close=True)
            raise
        if row is not None:
            break
        pg_pool.putconn(conn)
    return row


# a retry loop that opens a new session per attempt and never closes the
# one that failed.
def save_with_retry(obj, attempts=3):
    for attempt in range(attempts):
        db = SessionLocal()  # expect: SL103
        try:
            db.add(obj)
            db.commit()
            db.close()
            return True
        except OperationalError:
            time.sleep(0.1 * 2**attempt)
    return False


# release after the await in each iteration, not in finally.
async def notify_users(user_ids):
    for uid in user_ids:
        conn = await apg_pool.acquire()  # expect: SL103
        await conn.execute("INSERT INTO notifications (user_id) VALUES ($1)", uid)
        await apg_pool.release(conn)


# a polling loop: each wake-up opens a connection that is only closed when
# work was found.
async def poll_queue(interval):
    while True:
        conn = await asyncpg.connect(DSN)  # expect: SL103
        job = await conn.fetchrow("SELECT id FROM jobs WHERE state = 'queued' LIMIT 1")
        if job is not None:
            await conn.execute("UPDATE jobs SET state = 'taken' WHERE id = $1", job["id"])
            await conn.close()
            return job["id"]
        await asyncio.sleep(interval)


# quiet: with per iteration.
def vacuum_tables(tables):
    for table in tables:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE " + table))


# quiet: try/finally per iteration; break and continue pass through finally.
def find_owner(shards, email):
    owner = None
    for dsn in shards:
        conn = psycopg2.connect(dsn)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM users WHERE email = %s", (email,))
                row = cur.fetchone()
            if row is None:
                continue
            owner = (dsn, row[0])
            break
        finally:
            conn.close()
    return owner


# quiet: one connection for the whole loop, closed in finally.
def insert_batches(batches):
    conn = pg_pool.getconn()
    try:
        for batch in batches:
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO readings (sensor, value) VALUES (%s, %s)", batch)
            conn.commit()
    finally:
        pg_pool.putconn(conn)


# quiet: a retry loop that closes each attempt's session in finally; the
# return passes through it.
def save_with_retry_safely(obj, attempts=3):
    for attempt in range(attempts):
        db = SessionLocal()
        try:
            db.add(obj)
            db.commit()
            return True
        except OperationalError:
            db.rollback()
            time.sleep(0.1 * 2**attempt)
        finally:
            db.close()
    return False


# quiet: while True with async with per iteration.
async def drain_queue():
    while True:
        async with apg_pool.acquire() as conn:
            job = await conn.fetchrow("DELETE FROM queue WHERE id = (SELECT min(id) FROM queue) RETURNING id")
        if job is None:
            return
        await asyncio.sleep(0)


# quiet: the connections go into a list (an escape from the loop's point of
# view) and the list is closed in finally.
def broadcast(dsns, statement):
    conns = []
    try:
        for dsn in dsns:
            conns.append(psycopg2.connect(dsn))
        for conn in conns:
            with conn, conn.cursor() as cur:
                cur.execute(statement)
    finally:
        for conn in conns:
            conn.close()


# quiet: each iteration closes the previous connection before rebinding the
# name, and finally closes the last one.
def rotate_through(dsns, check):
    conn = psycopg2.connect(dsns[0])
    try:
        for dsn in dsns[1:]:
            if check(conn):
                return dsn
            conn.close()
            conn = psycopg2.connect(dsn)
        return None
    finally:
        conn.close()
