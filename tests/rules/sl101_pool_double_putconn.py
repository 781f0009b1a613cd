# SL101: a pooled connection handed back to its pool twice.  psycopg2's
# pools raise PoolError on the second putconn, or, when another request got
# the same connection in between, accept it and later hand an in-use
# connection to a third caller: two requests share one connection.
# Reported on the second release.
import os

from psycopg2.pool import SimpleConnectionPool, ThreadedConnectionPool
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from app.health import is_healthy

DSN = os.environ["DATABASE_DSN"]
pg_pool = ThreadedConnectionPool(1, 20, DSN)
simple_pool = SimpleConnectionPool(1, 5, DSN)
pool3 = ConnectionPool(DSN, min_size=1, max_size=10)
apool = AsyncConnectionPool(DSN, open=False)


# putconn at the end of the try and again in finally: on the normal path
# the connection goes back twice.
def rename_product(product_id, name):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE products SET name = %s WHERE id = %s", (name, product_id))
        conn.commit()
        pg_pool.putconn(conn)
    finally:
        pg_pool.putconn(conn)  # expect: SL101


# returned in the except handler that re-raises, and again by finally.
def debit_account(account_id, amount):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE accounts SET balance = balance - %s WHERE id = %s",
                (amount, account_id),
            )
        conn.commit()
    except Exception:
        conn.rollback()
        pg_pool.putconn(conn)
        raise
    finally:
        pg_pool.putconn(conn)  # expect: SL101


# one branch gives the connection back early, then falls through to the
# common putconn in finally.
def reserve_seat(seat_id):
    conn = simple_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT taken FROM seats WHERE id = %s FOR UPDATE", (seat_id,))
            (taken,) = cur.fetchone()
        if taken:
            conn.rollback()
            simple_pool.putconn(conn)
        else:
            with conn.cursor() as cur:
                cur.execute("UPDATE seats SET taken = true WHERE id = %s", (seat_id,))
            conn.commit()
    finally:
        simple_pool.putconn(conn)  # expect: SL101
    return not taken


# putconn(close=True) is a release too; the finally puts it back again on
# the path that returns False.
def check_out_healthy():
    conn = pg_pool.getconn()
    try:
        if not is_healthy(conn):
            pg_pool.putconn(conn, close=True)
            return False
        return True
    finally:
        pg_pool.putconn(conn)  # expect: SL101


# psycopg_pool's ConnectionPool: the same double return through putconn.
def load_settings():
    conn = pool3.getconn()
    try:
        rows = conn.execute("SELECT key, value FROM settings").fetchall()
        pool3.putconn(conn)
        return dict(rows)
    finally:
        pool3.putconn(conn)  # expect: SL101


# AsyncConnectionPool: putconn in `else` and again in `finally`.
async def purge_expired_tokens():
    aconn = await apool.getconn()
    try:
        await aconn.execute("DELETE FROM tokens WHERE expires_at < now()")
        await aconn.commit()
    except Exception:
        await aconn.rollback()
        raise
    else:
        await apool.putconn(aconn)
    finally:
        await apool.putconn(aconn)  # expect: SL101


def give_back(conn):
    """Return conn to the pool, discarding any open transaction."""
    if not conn.closed:
        conn.rollback()
    pg_pool.putconn(conn)


# a helper that puts its argument back (its summary releases the parameter),
# then a direct putconn of the same connection.
def archive_order(order_id):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE orders SET archived = true WHERE id = %s", (order_id,))
        conn.commit()
    finally:
        give_back(conn)
    pg_pool.putconn(conn)  # expect: SL101


# the helper called twice: once on the error branch, once after it.
def import_prices(rows):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO prices (sku, cents) VALUES (%s, %s)", rows)
        conn.commit()
    except Exception:
        give_back(conn)
    give_back(conn)  # expect: SL101


# quiet: the connection goes back once, in finally, on every path.
def set_avatar(user_id, url):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE users SET avatar = %s WHERE id = %s", (url, user_id))
        conn.commit()
    finally:
        pg_pool.putconn(conn)


# quiet: `except` and `else` are exclusive, each returns the connection once
# (in sync code `except Exception` sees every exception a call raises).
def ping_pool():
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception:
        pg_pool.putconn(conn, close=True)
        raise
    else:
        pg_pool.putconn(conn)


# quiet: the connection goes back early to free it during slow work; the
# `returned` flag keeps finally from returning it again.
def export_report(report_id, render):
    conn = pg_pool.getconn()
    returned = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM report_rows WHERE report_id = %s", (report_id,))
            rows = cur.fetchall()
        pg_pool.putconn(conn)
        returned = True
        return render(rows)
    finally:
        if not returned:
            pg_pool.putconn(conn)


# quiet: the branch that returns early puts the connection back, the other
# path puts it back at the end; no path does both.
def claim_coupon(code):
    conn = simple_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE coupons SET used = true WHERE code = %s AND NOT used", (code,))
            claimed = cur.rowcount == 1
        conn.commit()
    except Exception:
        simple_pool.putconn(conn, close=True)
        raise
    if not claimed:
        simple_pool.putconn(conn)
        return False
    simple_pool.putconn(conn)
    return True
