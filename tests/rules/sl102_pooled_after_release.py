# SL102 on pooled connections: after putconn()/release() or the end of
# `with pool.connection()` / `async with pool.acquire()`, the pool may
# already have handed the connection to another request, so a statement run
# on it lands in someone else's transaction (asyncpg's released proxy raises
# InterfaceError instead).  Reported on the first use after the release.
import logging
import os

import asyncpg
from fastapi import FastAPI
from psycopg2.pool import ThreadedConnectionPool
from psycopg_pool import ConnectionPool

DSN = os.environ["DATABASE_DSN"]
pg_pool = ThreadedConnectionPool(1, 20, DSN)
pool3 = ConnectionPool(DSN)
app = FastAPI()
log = logging.getLogger(__name__)
apg_pool: asyncpg.Pool


@app.on_event("startup")
async def open_pool():
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)


# commit on a connection that is already back in the pool.
def add_comment(post_id, body):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO comments (post_id, body) VALUES (%s, %s)", (post_id, body))
    finally:
        pg_pool.putconn(conn)
    conn.commit()  # expect: SL102


# a follow-up statement on one branch after the connection went back.
def search_products(term):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM products WHERE name ILIKE %s", ("%" + term + "%",))
            rows = cur.fetchall()
    finally:
        pg_pool.putconn(conn)
    if not rows:
        with conn.cursor() as cur:  # expect: SL102
            cur.execute("INSERT INTO search_misses (term) VALUES (%s)", (term,))
    return rows


# psycopg_pool: the connection used after the `with pool.connection()` block.
def record_user_count():
    with pool3.connection() as conn:
        n = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    conn.execute("INSERT INTO metrics (name, value) VALUES ('users', %s)", (n,))  # expect: SL102
    return n


# psycopg_pool getconn/putconn, then a use on one branch.
def latest_price(sku):
    conn = pool3.getconn()
    try:
        row = conn.execute(
            "SELECT cents FROM prices WHERE sku = %s ORDER BY at DESC LIMIT 1", (sku,)
        ).fetchone()
    finally:
        pool3.putconn(conn)
    if row is None:
        conn.execute("INSERT INTO price_misses (sku) VALUES (%s)", (sku,))  # expect: SL102
    return row


# asyncpg: the proxy is used after release().
async def record_visit(path):
    conn = await apg_pool.acquire()
    try:
        await conn.execute("INSERT INTO visits (path) VALUES ($1)", path)
    finally:
        await apg_pool.release(conn)
    return await conn.fetchval("SELECT count(*) FROM visits WHERE path = $1", path)  # expect: SL102


# asyncpg: the proxy is used after its `async with pool.acquire()` block.
@app.get("/health/db")
async def db_health():
    async with apg_pool.acquire() as conn:
        ok = await conn.fetchval("SELECT 1") == 1
    version = await conn.fetchval("SHOW server_version")  # expect: SL102
    return {"ok": ok, "version": version}


def put_back(conn):
    pg_pool.putconn(conn)


# the helper gives the connection back, then the handler rolls it back:
# the rollback may hit another request's transaction.
def close_ticket(ticket_id):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE tickets SET status = 'closed' WHERE id = %s", (ticket_id,))
        conn.commit()
    except Exception:
        put_back(conn)
        conn.rollback()  # expect: SL102
        raise
    put_back(conn)


# quiet: rows fetched before the putconn are plain data.
def list_categories():
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM categories ORDER BY name")
            rows = cur.fetchall()
    finally:
        pg_pool.putconn(conn)
    return [{"id": i, "name": n} for i, n in rows]


# quiet: a second acquire rebinds the name to a new proxy before its use.
async def two_phase_import(items):
    conn = await apg_pool.acquire()
    try:
        await conn.executemany("INSERT INTO staging (item) VALUES ($1)", items)
    finally:
        await apg_pool.release(conn)
    log.info("staged %d items", len(items))
    conn = await apg_pool.acquire()
    try:
        await conn.execute("CALL merge_staging()")
    finally:
        await apg_pool.release(conn)
