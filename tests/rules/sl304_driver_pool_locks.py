# SL304 on a driver's pool: a session-level advisory lock taken on a
# psycopg2 pool's connection (directly, or lent by a project wrapper's
# @contextmanager) that goes back to the pool (putconn, or the wrapper's
# exit) on a path that skips the unlock, here when a statement raises
# before it: putconn's rollback keeps the lock on the idle connection.
# Quiet when the unlock runs in a finally first, for the transaction-level
# lock, and for a connection of its own (closing it ends the session).
from contextlib import contextmanager

import psycopg2
from psycopg2.pool import ThreadedConnectionPool

POOL = ThreadedConnectionPool(1, 5, dsn="dbname=jobs")


class Jobs:
    def __init__(self):
        self.pool = ThreadedConnectionPool(1, 5, dsn="dbname=jobs")

    @contextmanager
    def conn(self):
        c = self.pool.getconn()
        try:
            yield c
        finally:
            c.rollback()
            self.pool.putconn(c)


jobs = Jobs()


def run_exclusive(job_id):
    conn = POOL.getconn()
    try:
        cur = conn.cursor()
        cur.execute("SELECT pg_advisory_lock(%s)", (job_id,))  # expect: SL304 "it is put back in the pool"
        cur.execute("UPDATE jobs SET state = 'running' WHERE id = %s", (job_id,))
        conn.commit()
        cur.execute("SELECT pg_advisory_unlock(%s)", (job_id,))
    finally:
        POOL.putconn(conn)


def run_exclusive_finally(job_id):
    conn = POOL.getconn()
    try:
        cur = conn.cursor()
        cur.execute("SELECT pg_advisory_lock(%s)", (job_id,))
        try:
            cur.execute("UPDATE jobs SET state = 'running' WHERE id = %s", (job_id,))
            conn.commit()
        finally:
            cur.execute("SELECT pg_advisory_unlock(%s)", (job_id,))
    finally:
        POOL.putconn(conn)


def sweep():
    with jobs.conn() as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(42)")  # expect: SL304 "the `with` block that lends it ends"
            cur.execute("DELETE FROM jobs WHERE state = 'done'")
            conn.commit()
            cur.execute("SELECT pg_advisory_unlock(42)")


def sweep_xact():
    with jobs.conn() as conn:
        cur = conn.cursor()
        cur.execute("SELECT pg_advisory_xact_lock(42)")
        cur.execute("DELETE FROM jobs WHERE state = 'done'")
        conn.commit()


def sweep_own_connection():
    conn = psycopg2.connect("dbname=jobs")
    try:
        cur = conn.cursor()
        cur.execute("SELECT pg_advisory_lock(42)")
        cur.execute("DELETE FROM jobs WHERE state = 'done'")
        conn.commit()
        cur.execute("SELECT pg_advisory_unlock(42)")
    finally:
        conn.close()
