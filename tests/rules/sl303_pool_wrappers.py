# select: SL303
# SL303 on a driver's pool reached through the project's own wrappers: a
# method that only returns another method's context manager (an alias of
# the lender), and a class that keeps a pooled connection and gives it back
# to its pool in close() or __exit__.  Neither pool resets a connection's
# settings when it comes back: a committed session-level SET stays on it
# for the next borrower.
from contextlib import contextmanager

import psycopg2.pool

REGION_POOL = psycopg2.pool.SimpleConnectionPool(1, 5, dsn="dbname=geo")
JOBS_POOL = psycopg2.pool.ThreadedConnectionPool(1, 20, dsn="dbname=jobs")


class Warehouse:
    """Lends connections of one pool through a context manager."""

    def __init__(self):
        self._pool = REGION_POOL

    @contextmanager
    def borrow(self):
        conn = self._pool.getconn()
        try:
            yield conn
            conn.commit()
        finally:
            self._pool.putconn(conn)

    def reader(self):
        return self.borrow()

    def region_reader(self):
        return self.reader()

    def reporting(self, slow):
        if slow:
            return self.borrow()
        return open("/dev/null")


WAREHOUSE = Warehouse()


# Bad: the alias lends the borrow()ed connection, committed by the lender.
def stock_for(region):
    with WAREHOUSE.reader() as conn:
        with conn.cursor() as cur:
            cur.execute("SET app.region = %s", (region,))  # expect: SL303 "`reader()` lends through `borrow()`"
            cur.execute("SELECT sku, qty FROM stock")
            return cur.fetchall()


# Bad: an alias of an alias.
def shipments_for(region):
    with WAREHOUSE.region_reader() as conn:
        cur = conn.cursor()
        cur.execute("SET app.region = %s", (region,))  # expect: SL303 "`app.region`"
        conn.commit()
        cur.execute("SELECT * FROM shipments")
        return cur.fetchall()


# Quiet: SET LOCAL ends with the transaction.
def stock_local(region):
    with WAREHOUSE.reader() as conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL app.region = %s", (region,))
            cur.execute("SELECT sku, qty FROM stock")
            return cur.fetchall()


# Quiet: reset before the lender puts it back.
def stock_reset(region):
    with WAREHOUSE.reader() as conn:
        with conn.cursor() as cur:
            cur.execute("SET app.region = %s", (region,))
            cur.execute("SELECT sku, qty FROM stock")
            rows = cur.fetchall()
            cur.execute("RESET app.region")
            return rows


# Quiet: not every return of reporting() is the lender's.
def report(region):
    with WAREHOUSE.reporting(False) as conn:
        conn.cursor().execute("SET app.region = %s", (region,))
        conn.commit()


class JobConnection:
    """A pooled connection that goes back to its pool when closed."""

    def __init__(self, conn, pool):
        self.conn = conn
        self.pool = pool

    def cursor(self):
        return self.conn.cursor()

    def commit(self):
        self.conn.commit()

    def release(self):
        self.pool.putconn(self.conn)

    def close(self):
        self.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def job_connection():
    return JobConnection(JOBS_POOL.getconn(), JOBS_POOL)


# Bad: close() of the wrapper is the put-back.
def run_job(job_id, user):
    conn = job_connection()
    try:
        cur = conn.cursor()
        cur.execute("SET ROLE %s", (user,))  # expect: SL303 "a `JobConnection` keeps and puts back"
        conn.commit()
        cur.execute("UPDATE jobs SET state = 'run' WHERE id = %s", (job_id,))
        conn.commit()
    finally:
        conn.close()


# Bad: so is the exit of `with` over it.
def retry_job(job_id):
    with job_connection() as conn:
        cur = conn.cursor()
        cur.execute("SET statement_timeout = 60000")  # expect: SL303
        conn.commit()
        cur.execute("UPDATE jobs SET tries = tries + 1 WHERE id = %s", (job_id,))
        conn.commit()


# Quiet: never committed, so the pool's rollback at putconn() undoes it.
def peek_job(job_id):
    conn = job_connection()
    try:
        cur = conn.cursor()
        cur.execute("SET statement_timeout = 1000")
        cur.execute("SELECT * FROM jobs WHERE id = %s", (job_id,))
        return cur.fetchone()
    finally:
        conn.close()


class CleanJobConnection(JobConnection):
    """Resets the session before giving the connection back."""

    def release(self):
        with self.conn.cursor() as cur:
            cur.execute("RESET ALL")
        self.conn.commit()
        self.pool.putconn(self.conn)


def clean_job_connection():
    return CleanJobConnection(JOBS_POOL.getconn(), JOBS_POOL)


# Quiet: the wrapper runs RESET ALL before its putconn().
def run_clean_job(job_id, user):
    conn = clean_job_connection()
    try:
        cur = conn.cursor()
        cur.execute("SET ROLE %s", (user,))
        conn.commit()
        cur.execute("UPDATE jobs SET state = 'run' WHERE id = %s", (job_id,))
        conn.commit()
    finally:
        conn.close()


class ClosingJobConnection(JobConnection):
    """Closes the connection instead of keeping it in the pool."""

    def release(self):
        self.pool.putconn(self.conn, close=True)


def closing_job_connection():
    return ClosingJobConnection(JOBS_POOL.getconn(), JOBS_POOL)


# Quiet: putconn(close=True) closes it; no one gets the setting.
def run_closing_job(user):
    conn = closing_job_connection()
    try:
        cur = conn.cursor()
        cur.execute("SET ROLE %s", (user,))
        conn.commit()
    finally:
        conn.close()
