# SL101: a pooled connection returned twice.  The putconn that the one in
# finally always follows is removed.
import os

from psycopg2.pool import ThreadedConnectionPool

pool = ThreadedConnectionPool(1, 20, os.environ["DSN"])


def mark_paid(invoice_id):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
        conn.commit()
        pool.putconn(conn)
    finally:
        pool.putconn(conn)


def reserve(seat_id):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE seats SET taken = true WHERE id = %s", (seat_id,))
        conn.commit()
    except Exception:
        conn.rollback()
        pool.putconn(conn)
        raise
    else:
        pool.putconn(conn)
    finally:
        pool.putconn(conn)
