# SL102: a connection or cursor used after it was released.  Closed
# psycopg2/psycopg/asyncpg connections and SQLAlchemy Connections raise on
# use; a cursor whose connection is closed is closed too.  Reported on the
# first use after the release on the path that reaches it.
import os

import asyncpg
import psycopg
import psycopg2
from sqlalchemy import create_engine, text

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])


# commit after the connection was closed in finally.
def save_note(body):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO notes (body) VALUES (%s)", (body,))
    finally:
        conn.close()
    conn.commit()  # expect: SL102


# the cursor outlives its connection: closing a psycopg2 connection closes
# its cursors.
def recent_signups():
    conn = psycopg2.connect(DSN)
    try:
        cur = conn.cursor()
        cur.execute("SELECT email FROM users ORDER BY created_at DESC LIMIT 10")
    finally:
        conn.close()
    return [r[0] for r in cur.fetchall()]  # expect: SL102


# the cursor used after its own with block closed it.
def top_products(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM products ORDER BY sales DESC LIMIT 5")
    return cur.fetchall()  # expect: SL102


# a SQLAlchemy Connection used after its with block: ResourceClosedError.
def table_sizes():
    with engine.connect() as conn:
        sizes = dict(
            conn.execute(text("SELECT relname, n_live_tup FROM pg_stat_user_tables")).all()
        )
    conn.execute(text("ANALYZE"))  # expect: SL102
    return sizes


# engine.begin() closes the connection at the end of its block too.
def create_tenant(name):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tenants (name) VALUES (:n)"), {"n": name})
    return conn.execute(text("SELECT id FROM tenants WHERE name = :n"), {"n": name}).scalar_one()  # expect: SL102


# Connection.close() in finally, then one more statement.
def refresh_sales_view():
    conn = engine.connect()
    try:
        conn.execute(text("REFRESH MATERIALIZED VIEW sales_summary"))
        conn.commit()
    finally:
        conn.close()
    conn.execute(text("NOTIFY sales_summary_refreshed"))  # expect: SL102


# psycopg 3's `with conn:` closes the connection; the query after it fails.
def stage_rows(rows):
    conn = psycopg.connect(DSN)
    with conn:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO staging (payload) VALUES (%s)", rows)
    return conn.execute("SELECT count(*) FROM staging").fetchone()[0]  # expect: SL102


# asyncpg: a statement after close() in finally.
async def replica_version():
    conn = await asyncpg.connect(DSN)
    try:
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    await conn.execute("SELECT pg_stat_reset()")  # expect: SL102
    return version


# psycopg 3 async: the connection is closed by `async with`.
async def count_jobs():
    async with await psycopg.AsyncConnection.connect(DSN) as aconn:
        cur = await aconn.execute("SELECT count(*) FROM jobs")
        (n,) = await cur.fetchone()
    await aconn.execute("INSERT INTO job_counts (n) VALUES (%s)", (n,))  # expect: SL102
    return n


# closed on one branch only, used after the branch: a path reaches the use.
def sync_inventory(full):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT sku FROM inventory")
            skus = cur.fetchall()
        if not full:
            conn.close()
        with conn.cursor() as cur:  # expect: SL102
            cur.execute("UPDATE inventory SET synced_at = now()")
        conn.commit()
    finally:
        conn.close()
    return skus


# close() indented into the loop: the second iteration uses a closed
# connection; and the connection is never closed when there is nothing to
# export or an insert raises.
def export_batches(batches):
    conn = psycopg2.connect(DSN)  # expect: SL103
    for batch in batches:
        with conn.cursor() as cur:  # expect: SL102
            cur.executemany("INSERT INTO export (row) VALUES (%s)", batch)
        conn.commit()
        conn.close()


# quiet: rows fetched before the close are plain data.
def list_regions():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, name FROM regions")).all()
    return [dict(r._mapping) for r in rows]


# quiet: `closed` is the attribute that is meant to be read after close().
def can_connect():
    try:
        conn = psycopg2.connect(DSN, connect_timeout=3)
    except psycopg2.OperationalError:
        return False
    conn.close()
    return conn.closed != 0


# quiet: the name is rebound to a new connection before it is used again.
def reconnect_and_retry(query):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    except psycopg2.OperationalError:
        conn.close()
        conn = psycopg2.connect(DSN)
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        conn.close()


# quiet: the cursor's rows are fetched inside the with block.
def order_ids(conn, customer_id):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM orders WHERE customer_id = %s", (customer_id,))
        ids = [r[0] for r in cur.fetchall()]
    return ids
