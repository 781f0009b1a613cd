# SL103 on DB-API connections: psycopg2's own `with conn` only ends a
# transaction, so its connection gets contextlib.closing (imported); a
# psycopg 3 connection committed right before its close gets `with` (its
# with block commits, then closes); one closed without a commit keeps its
# close, in finally; a pooled connection keeps its putconn, in finally.
import os

import psycopg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool

DSN = os.environ["DSN"]
pool = ThreadedConnectionPool(1, 5, DSN)


def wipe(table):
    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
    cur.execute("DELETE FROM %s" % table)
    conn.commit()
    conn.close()


def add_event(kind):
    conn = psycopg.connect(DSN)
    conn.execute("INSERT INTO events (kind) VALUES (%s)", (kind,))
    conn.commit()
    conn.close()


def peek(kind):
    conn = psycopg.connect(DSN)
    row = conn.execute("SELECT * FROM events WHERE kind = %s", (kind,)).fetchone()
    conn.close()
    return row


def mark_paid(invoice_id):
    conn = pool.getconn()
    with conn.cursor() as cur:
        cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
    conn.commit()

    # back to the pool
    pool.putconn(conn)
