"""Blind cases: pooled connections given back twice (SL101) and pool traps."""
import psycopg2
from psycopg2.pool import SimpleConnectionPool, ThreadedConnectionPool
from psycopg_pool import ConnectionPool

legacy_pool = ThreadedConnectionPool(1, 10, "dbname=orders")
small_pool = SimpleConnectionPool(1, 2, "dbname=orders")
modern_pool = ConnectionPool("dbname=orders")


def store_order(conn, order):
    """Only uses the connection."""
    conn.commit()


# Bad: putconn at the end of try and again in finally.
def save_order(order):
    c = legacy_pool.getconn()
    try:
        store_order(c, order)
        legacy_pool.putconn(c)
    finally:
        legacy_pool.putconn(c)  # expect: SL101


# Bad: putconn in the except handler and again in finally.
def save_order_except(order):
    c = small_pool.getconn()
    try:
        store_order(c, order)
    except Exception:
        small_pool.putconn(c)
        raise
    finally:
        small_pool.putconn(c)  # expect: SL101


# Good: a returned-flag guards the finally.
def save_order_flag(order):
    c = legacy_pool.getconn()
    given_back = False
    try:
        store_order(c, order)
        legacy_pool.putconn(c)
        given_back = True
    finally:
        if not given_back:
            legacy_pool.putconn(c)


# Good: plain try/finally.
def save_order_plain(order):
    c = legacy_pool.getconn()
    try:
        store_order(c, order)
    finally:
        legacy_pool.putconn(c)


# Bad: psycopg_pool context manager returns the connection, putconn inside too.
def modern_save(order):
    with modern_pool.connection() as conn:  # expect: SL101
        conn.execute("insert into orders default values")
        modern_pool.putconn(conn)


# Good: psycopg_pool context manager alone; inner `with conn:` does not close a pooled connection.
def modern_save_ok(order):
    with modern_pool.connection() as conn:
        with conn:
            conn.execute("insert into orders default values")


# Bad: psycopg_pool getconn/putconn twice on the normal path.
def modern_manual(order):
    conn = modern_pool.getconn()
    try:
        conn.execute("select 1")
    finally:
        modern_pool.putconn(conn)
    modern_pool.putconn(conn)  # expect: SL101


# Bad: pool getconn and the connection is never given back on the exception path.
def leaky_lookup(key):
    c = small_pool.getconn()  # expect: SL103
    store_order(c, key)
    small_pool.putconn(c)


# Good: correlated branches on the same local condition.
def conditional_return(order, fast):
    c = legacy_pool.getconn()
    try:
        store_order(c, order)
    finally:
        if fast:
            legacy_pool.putconn(c)
        if not fast:
            legacy_pool.putconn(c)


class OrderRepo:
    def __init__(self, dsn):
        self._pool = ThreadedConnectionPool(1, 5, dsn)

    # Bad: a pool held on self, connection returned twice on the normal path.
    def archive(self, order_id):
        conn = self._pool.getconn()
        try:
            store_order(conn, order_id)
            self._pool.putconn(conn)
        finally:
            self._pool.putconn(conn)  # expect: SL101

    # Good: one putconn in finally.
    def restore(self, order_id):
        conn = self._pool.getconn()
        try:
            store_order(conn, order_id)
        finally:
            self._pool.putconn(conn)


# Good: the connection goes back inside a loop, once per iteration.
def save_many(orders):
    for o in orders:
        c = legacy_pool.getconn()
        try:
            store_order(c, o)
        finally:
            legacy_pool.putconn(c)


# Bad: a second putconn on a break path through the loop.
def save_until_error(orders):
    for o in orders:
        c = legacy_pool.getconn()
        try:
            store_order(c, o)
            if o is None:
                legacy_pool.putconn(c)
                break
        finally:
            legacy_pool.putconn(c)  # expect: SL101
