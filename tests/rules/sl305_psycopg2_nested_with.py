# psycopg2's `with conn:` is a transaction.  From psycopg2 2.9 entering it
# again inside its own block raises ProgrammingError; no version is pinned
# here, so 2.9 or later is assumed.
import os
from contextlib import closing

import psycopg
import psycopg2
from psycopg2.pool import SimpleConnectionPool

DSN = os.environ["DSN"]
shared = psycopg2.connect(DSN)  # expect: SL201
pool = SimpleConnectionPool(1, 4, DSN)


def move_stock(src, dst, qty):
    conn = psycopg2.connect(DSN)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("UPDATE stock SET qty = qty - %s WHERE id = %s", (qty, src))
            with conn:  # expect: SL305 "raises ProgrammingError"
                with conn.cursor() as cur:
                    cur.execute("UPDATE stock SET qty = qty + %s WHERE id = %s", (qty, dst))
    finally:
        conn.close()


# the name `as` binds is the same connection.
def restock(item, qty):
    conn = pool.getconn()
    try:
        with conn as tx:
            tx.cursor().execute("UPDATE stock SET qty = qty + %s WHERE id = %s", (qty, item))
            if qty > 100:
                with tx:  # expect: SL305 "2.9 or later is assumed"
                    tx.cursor().execute("INSERT INTO big_restocks VALUES (%s)", (item,))
    finally:
        pool.putconn(conn)


def audit(line):
    with shared:
        shared.cursor().execute("INSERT INTO audit VALUES (%s)", (line,))


def log_sale(item):
    with shared:
        shared.cursor().execute("INSERT INTO sales VALUES (%s)", (item,))
        audit("sale")  # expect: SL305 "this call: `audit` enters `with shared:`"


class Inventory:
    def __init__(self):
        self.db = psycopg2.connect(DSN)

    def count(self, item):
        with self.db, self.db.cursor() as cur:
            cur.execute("SELECT qty FROM stock WHERE id = %s", (item,))
            return cur.fetchone()[0]

    def take(self, item):
        with self.db:
            if self.count(item) > 0:  # expect: SL305 "`self.db` is already inside its `with` block"
                self.db.cursor().execute("UPDATE stock SET qty = qty - 1 WHERE id = %s", (item,))

    # quiet: the count comes first, then the transaction.
    def take_checked(self, item):
        left = self.count(item)
        with self.db:
            if left > 0:
                self.db.cursor().execute("UPDATE stock SET qty = qty - 1 WHERE id = %s", (item,))


# quiet: one block after the other.
def two_steps(a, b):
    with shared:
        shared.cursor().execute("DELETE FROM carts WHERE id = %s", (a,))
    with shared:
        shared.cursor().execute("DELETE FROM carts WHERE id = %s", (b,))
    audit("carts")


# quiet: closing() closes, the inner `with conn` is the one transaction.
def archive(day):
    with closing(psycopg2.connect(DSN)) as conn:
        with conn:
            conn.cursor().execute("INSERT INTO archive SELECT * FROM sales WHERE day = %s", (day,))


# quiet: two connections, each in its own block.
def copy_prices(src, dst):
    with src:
        with dst:
            dst.cursor().execute("DELETE FROM prices")


# quiet: a cursor's block inside the connection's.
def price(item):
    with shared:
        with shared.cursor() as cur:
            cur.execute("SELECT price FROM prices WHERE id = %s", (item,))
            return cur.fetchone()


# quiet here: psycopg 3's connection is another library (its with block
# closes the connection).
def psycopg3_nested():
    with psycopg.connect(DSN) as conn:
        with conn.transaction():
            conn.execute("SELECT 1")
