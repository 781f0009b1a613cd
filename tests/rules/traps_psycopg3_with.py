# Traps: psycopg 3's `with conn:` closes the connection (unlike psycopg2's),
# except for a connection that belongs to a pool, which it only commits.
# All correct: no finding anywhere in this file.
import os

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

DSN = os.environ["DATABASE_DSN"]
pool = ConnectionPool(DSN)


# with psycopg.connect(...) closes at the end.
def add_label(name):
    with psycopg.connect(DSN) as conn:
        conn.execute("INSERT INTO labels (name) VALUES (%s)", (name,))


# the connection in a variable, then `with conn:` closes it.
def rename_label(old, new):
    conn = psycopg.connect(DSN)
    with conn:
        conn.execute("UPDATE labels SET name = %s WHERE name = %s", (new, old))


# a return inside the with block.
def label_rows():
    with psycopg.connect(DSN, row_factory=dict_row) as conn:
        return conn.execute("SELECT id, name FROM labels").fetchall()


# conn.transaction() inside; the with on the connection closes it.
def swap_labels(a, b):
    with psycopg.connect(DSN) as conn:
        with conn.transaction():
            conn.execute("UPDATE labels SET name = '__tmp' WHERE name = %s", (a,))
            conn.execute("UPDATE labels SET name = %s WHERE name = %s", (a, b))
            conn.execute("UPDATE labels SET name = %s WHERE name = '__tmp'", (b,))


# async: `async with await AsyncConnection.connect(...)`.
async def count_labels():
    async with await psycopg.AsyncConnection.connect(DSN) as aconn:
        cur = await aconn.execute("SELECT count(*) FROM labels")
        return (await cur.fetchone())[0]


# async: connection in a variable, `async with aconn:` closes it.
async def drop_label(name):
    aconn = await psycopg.AsyncConnection.connect(DSN)
    async with aconn:
        await aconn.execute("DELETE FROM labels WHERE name = %s", (name,))


# a pooled connection: `with conn:` commits but leaves it open, and the
# putconn in finally is its one return.
def relabel_pooled(old, new):
    conn = pool.getconn()
    try:
        with conn:
            conn.execute("UPDATE labels SET name = %s WHERE name = %s", (new, old))
    finally:
        pool.putconn(conn)


# a pooled connection used after `with conn:` (still open: it belongs to a
# pool), then returned.
def relabel_and_count(old, new):
    conn = pool.getconn()
    try:
        with conn:
            conn.execute("UPDATE labels SET name = %s WHERE name = %s", (new, old))
        return conn.execute("SELECT count(*) FROM labels").fetchone()[0]
    finally:
        pool.putconn(conn)
