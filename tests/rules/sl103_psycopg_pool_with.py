# A `with` over a pool's checkout gives the connection back only where the
# library's context manager does: psycopg2's `with conn:` commits or rolls
# back and keeps the connection out of its pool; psycopg 3's closes it, yet
# psycopg_pool still counts it out until putconn().  pool.connection() and
# asyncpg's pool.acquire() do give it back.
import os
import threading

import psycopg_pool
from psycopg2.pool import ThreadedConnectionPool

DSN = os.environ["DSN"]
ledger_pool = ThreadedConnectionPool(2, 10, DSN)
report_pool = psycopg_pool.ConnectionPool(DSN)
AUDIT_KEY = "audit-writer"


# psycopg2: the with block ends the transaction, nothing puts it back.
def post_entry(account, cents):
    with ledger_pool.getconn() as conn:  # expect: SL103 "pooled connection `conn` is never released"
        with conn.cursor() as cur:
            cur.execute("INSERT INTO entries VALUES (%s, %s)", (account, cents))


# psycopg_pool: getconn() in a with block closes the connection, the pool
# still counts it out.
def monthly_total(month):
    with report_pool.getconn() as conn:  # expect: SL103
        return conn.execute("SELECT sum(cents) FROM entries WHERE month = %s", (month,)).fetchone()


# quiet: pool.connection() returns it at the block's end.
def yearly_total(year):
    with report_pool.connection() as conn:
        return conn.execute("SELECT sum(cents) FROM entries WHERE year = %s", (year,)).fetchone()


# quiet: the with block for the transaction, putconn() for the pool.
def void_entry(entry_id):
    conn = None
    try:
        with ledger_pool.getconn() as conn:
            with conn.cursor() as cur:
                cur.execute("DELETE FROM entries WHERE id = %s", (entry_id,))
    finally:
        if conn is not None:
            ledger_pool.putconn(conn)


# quiet: keyed by the process, the thread, or a constant: every call hands
# back the key's one connection, kept out on purpose.
def balance_for_process(account):
    conn = ledger_pool.getconn(key=os.getpid())
    with conn.cursor() as cur:
        cur.execute("SELECT balance FROM accounts WHERE id = %s", (account,))
        return cur.fetchone()


def balance_for_thread(account):
    conn = ledger_pool.getconn(threading.current_thread().ident)
    with conn:
        with conn.cursor() as cur:
            cur.execute("SELECT balance FROM accounts WHERE id = %s", (account,))
            return cur.fetchone()


def write_audit(line):
    with ledger_pool.getconn(AUDIT_KEY) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO audit VALUES (%s)", (line,))


def worker_key_conn():
    key = f"worker-{threading.get_ident()}"
    return ledger_pool.getconn(key=key)


# a key that varies per call is a checkout like any other.
def replay(batch_id, rows):
    conn = ledger_pool.getconn(key=batch_id)  # expect: SL103
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO entries VALUES (%s, %s)", rows)


def replay_shards(shards):
    for shard in shards:
        conn = ledger_pool.getconn(shard)  # expect: SL103
        conn.cursor().execute("VACUUM entries")


# key=None is no key at all.
def unkeyed():
    conn = ledger_pool.getconn(key=None)  # expect: SL103
    conn.cursor().execute("SELECT 1")


# quiet: a varying key, put back under the same key.
def replay_put_back(batch_id, rows):
    conn = ledger_pool.getconn(key=batch_id)
    try:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO entries VALUES (%s, %s)", rows)
    finally:
        ledger_pool.putconn(conn, key=batch_id)


class Ledger:
    def __init__(self):
        self.pool = ThreadedConnectionPool(1, 4, DSN)

    # the thread's own connection: what callers get is not theirs to put back
    def thread_conn(self):
        return self.pool.getconn(key=threading.get_ident())

    # a fresh checkout each call: the caller owns it
    def fresh_conn(self):
        return self.pool.getconn()

    def balance(self, account):
        with self.thread_conn() as conn, conn.cursor() as cur:
            cur.execute("SELECT balance FROM accounts WHERE id = %s", (account,))
            return cur.fetchone()

    def close_month(self, month):
        with self.fresh_conn() as conn, conn.cursor() as cur:  # expect: SL103
            cur.execute("UPDATE months SET closed = true WHERE id = %s", (month,))
