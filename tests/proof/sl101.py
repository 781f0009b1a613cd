"""SL101 double-release: a pooled connection returned to its pool twice.

The page's bad example against psycopg2's ThreadedConnectionPool: alone, the
second putconn() raises PoolError after the UPDATE was committed (a success
turned into an error); when another request checks the connection out between
the two putconn() calls, the second one is accepted and the next getconn()
hands that same connection to a third request while the second still uses it.
Then the psycopg_pool form: putconn() inside `with pool.connection()`.
"""
# needs: psycopg2 psycopg psycopg_pool
import psycopg
import psycopg2
import psycopg2.pool
import psycopg_pool

import proof

pool = psycopg2.pool.ThreadedConnectionPool(1, 4, dsn="")
pgpool = psycopg_pool.ConnectionPool("", min_size=1, max_size=2)


# The page's bad example.
def mark_paid(invoice_id):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
        conn.commit()
        pool.putconn(conn)
    finally:
        pool.putconn(conn)      # a second return on the normal path  # expect: SL101


# The page's fixed example.
def mark_paid_fixed(invoice_id):
    conn = pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
        conn.commit()
    finally:
        pool.putconn(conn)      # the only return, on every path


# "putconn() inside `with pool.connection()`, whose exit gives it back again"
def mark_paid_pg3(invoice_id):
    with pgpool.connection() as conn:  # expect: SL101
        conn.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
        pgpool.putconn(conn)


# The page's fixed example with psycopg_pool.
def mark_paid_pg3_fixed(invoice_id):
    with pgpool.connection() as conn:
        conn.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))


def paid(invoice_id):
    return proof.query("SELECT paid FROM invoices WHERE id = %s", (invoice_id,))[0][0]


def interleaved(p):
    """Another request checks the connection out between the two putconn()
    calls (a thread switch there; here the pool's putconn lets it run)."""
    real_putconn = pool.putconn
    held = {}

    def putconn_then_switch(conn, *a, **kw):
        real_putconn(conn, *a, **kw)
        if "b" not in held:
            held["b"] = pool.getconn()  # request B, served in between
    pool.putconn = putconn_then_switch
    try:
        mark_paid(3)  # no PoolError this time: the second putconn took B's key
    finally:
        del pool.putconn
    b = held["b"]
    c = pool.getconn()  # request C
    p.check(b is c, "request C got a different connection than B")
    pid_b, pid_c = b.get_backend_pid(), c.get_backend_pid()
    with b.cursor() as cur:  # B writes, in its transaction ...
        cur.execute("UPDATE invoices SET paid = true WHERE id = 4")
    c.rollback()  # ... C rolls its own work back
    b.commit()
    p.check(not paid(4), "B's update survived C's rollback")
    p.check(pid_b == pid_c, "different backends")
    p.bad("a request in between: 2nd putconn() accepted, the next two requests share "
          "backend %d (one's rollback undid the other's UPDATE)" % pid_b)
    pool.putconn(b)


def body(p):
    proof.query("CREATE TABLE invoices (id int PRIMARY KEY, paid bool NOT NULL DEFAULT false)")
    proof.query("INSERT INTO invoices (id) SELECT generate_series(1, 10)")

    mark_paid_fixed(1)
    mark_paid_pg3_fixed(2)
    p.check(paid(1) and paid(2), "the fixed examples did not commit")
    a, b = pool.getconn(), pool.getconn()
    p.check(a is not b, "the pool hands out one connection twice after the fixed example")
    pool.putconn(a)
    pool.putconn(b)
    p.fixed("one putconn() per getconn(), later callers get distinct connections")

    e = p.raises(psycopg2.pool.PoolError, mark_paid, 3)
    p.check(paid(3), "the UPDATE was not committed")
    p.bad("psycopg2 %s, after the commit" % proof.exc_text(e))
    interleaved(p)

    e = p.raises(ValueError, mark_paid_pg3, 5)
    p.check(not paid(5), "the UPDATE of the block with putconn() was committed")
    # the block's putconn() returned it (rolled back), then the with exit
    # closed it in the pool's idle list: the next request gets it closed
    e2 = p.raises(psycopg.OperationalError, mark_paid_pg3_fixed, 6)
    p.bad("psycopg_pool: ValueError, UPDATE rolled back, next request: %s" % proof.exc_text(e2),
          "%s; the next request: %s" % (proof.exc_text(e).split(": <")[0], proof.exc_text(e2)))
    p.lint()


try:
    proof.run("SL101", body)
finally:
    pool.closeall()
    pgpool.close()
