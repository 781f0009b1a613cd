# psycopg2's `with conn:` commits or rolls back the transaction and does NOT
# close the connection (psycopg 3's does; see traps_psycopg3_with.py).  A
# connection whose only "release" is a psycopg2 with block is never closed:
# SL103, reported on the acquisition (the with statement when it acquires).
import os
from contextlib import closing

import psycopg2
import psycopg2.extras
from psycopg2.pool import ThreadedConnectionPool

DSN = os.environ["DATABASE_DSN"]
pg_pool = ThreadedConnectionPool(1, 20, DSN)


# the classic: `with psycopg2.connect(...) as conn` leaves it open.
def add_tag(name):
    with psycopg2.connect(DSN) as conn:  # expect: SL103
        with conn.cursor() as cur:
            cur.execute("INSERT INTO tags (name) VALUES (%s)", (name,))


# the same with the connection in a variable first.
def rename_tag(old, new):
    conn = psycopg2.connect(DSN)  # expect: SL103
    with conn:
        with conn.cursor() as cur:
            cur.execute("UPDATE tags SET name = %s WHERE name = %s", (new, old))


# a pooled connection in `with conn:` is not given back by it either.
def delete_tag(name):
    conn = pg_pool.getconn()  # expect: SL103
    with conn:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM tags WHERE name = %s", (name,))


# with on a dict-cursor connection from psycopg2.extras' factory argument.
def tag_counts():
    with psycopg2.connect(DSN, cursor_factory=psycopg2.extras.RealDictCursor) as conn:  # expect: SL103
        with conn.cursor() as cur:
            cur.execute("SELECT name, count(*) AS n FROM item_tags GROUP BY name")
            return cur.fetchall()


# quiet: closing() closes; `with conn` inside it ends the transaction.
def add_tag_closing(name):
    with closing(psycopg2.connect(DSN)) as conn:
        with conn:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO tags (name) VALUES (%s)", (name,))


# quiet: `with conn` for the transaction, close() in finally.
def rename_tag_finally(old, new):
    conn = psycopg2.connect(DSN)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("UPDATE tags SET name = %s WHERE name = %s", (new, old))
    finally:
        conn.close()


# quiet: pooled connection, `with conn` for the transaction, putconn in
# finally.
def delete_tag_pooled(name):
    conn = pg_pool.getconn()
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("DELETE FROM tags WHERE name = %s", (name,))
    finally:
        pg_pool.putconn(conn)


# quiet: the with block ends the transaction; the connection is closed by
# an outer try/finally that owns it (and it is still usable after the with).
def bulk_retag(pairs):
    conn = psycopg2.connect(DSN)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.executemany("UPDATE tags SET name = %s WHERE name = %s", pairs)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM tags")
            return cur.fetchone()[0]
    finally:
        conn.close()
