# select: SL103
# A fresh pooled connection handed to an object of a project class that
# keeps it (and gives it back in its close()): returning the object hands
# the connection to the caller, as returning the connection would.
import psycopg2.pool

POOL = psycopg2.pool.SimpleConnectionPool(1, 4, dsn="dbname=ledger")


class Ledger:
    def __init__(self, conn, pool):
        self.conn = conn
        self.pool = pool

    def close(self):
        self.pool.putconn(self.conn)


# Quiet: the object, and the connection it keeps, go to the caller.
def open_ledger():
    return Ledger(POOL.getconn(), POOL)


# Quiet: the same through a name.
def open_ledger_named():
    ledger = Ledger(POOL.getconn(), POOL)
    return ledger


# Bad: the object is dropped with the connection it keeps.
def count_entries():
    ledger = Ledger(POOL.getconn(), POOL)  # expect: SL103
    cur = ledger.conn.cursor()
    cur.execute("SELECT count(*) FROM entries")
    return cur.fetchone()[0]


# Quiet: closed, which puts it back.
def count_accounts():
    ledger = Ledger(POOL.getconn(), POOL)
    try:
        cur = ledger.conn.cursor()
        cur.execute("SELECT count(*) FROM accounts")
        return cur.fetchone()[0]
    finally:
        ledger.close()
