# SL101 with psycopg_pool's context manager: `with pool.connection()` gives
# the connection back at the block's exit, so an explicit putconn inside the
# block is a double return.  The second release is the block's exit, so the
# finding is reported on the with statement.
import os

from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool, ConnectionPool

DSN = os.environ["DATABASE_DSN"]
pool = ConnectionPool(DSN, min_size=2, max_size=10)
apool = AsyncConnectionPool(DSN, open=False)
app = FastAPI()


# putconn inside the block, then the block's exit returns it again.
def count_orders():
    with pool.connection() as conn:  # expect: SL101
        n = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        pool.putconn(conn)
    return n


# the same in an async endpoint with AsyncConnectionPool.
@app.get("/tags")
async def list_tags():
    async with apool.connection() as aconn:  # expect: SL101
        cur = await aconn.execute("SELECT name FROM tags ORDER BY name")
        rows = await cur.fetchall()
        await apool.putconn(aconn)
    return [r[0] for r in rows]


# "give it back early" on one branch inside the block.
def lock_invoice(invoice_id):
    with pool.connection() as conn:  # expect: SL101
        row = conn.execute(
            "SELECT status FROM invoices WHERE id = %s FOR UPDATE", (invoice_id,)
        ).fetchone()
        if row is None:
            pool.putconn(conn)
            return False
        conn.execute("UPDATE invoices SET status = 'locked' WHERE id = %s", (invoice_id,))
    return True


# quiet: a return inside the block; the exit returns the connection once.
def find_user_id(email):
    with pool.connection() as conn:
        row = conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()
        return row[0] if row else None


# quiet: two connections from one with statement, each returned once.
def copy_preferences(src_user, dst_user):
    with pool.connection() as src, pool.connection() as dst:
        prefs = src.execute(
            "SELECT key, value FROM prefs WHERE user_id = %s", (src_user,)
        ).fetchall()
        with dst.cursor() as cur:
            cur.executemany(
                "INSERT INTO prefs (user_id, key, value) VALUES (%s, %s, %s)",
                [(dst_user, k, v) for k, v in prefs],
            )


# quiet: psycopg 3's `with conn:` does not close a connection that belongs
# to a pool (it only commits), so the putconn in finally is the only return.
def mark_seen(notification_ids):
    conn = pool.getconn()
    try:
        with conn:
            conn.execute(
                "UPDATE notifications SET seen = true WHERE id = ANY(%s)", (notification_ids,)
            )
    finally:
        pool.putconn(conn)


# quiet: conn.transaction() ends a transaction, not the connection's loan.
@app.post("/transfers")
async def transfer(src: int, dst: int, cents: int):
    async with apool.connection() as aconn:
        async with aconn.transaction():
            await aconn.execute(
                "UPDATE accounts SET cents = cents - %s WHERE id = %s", (cents, src)
            )
            await aconn.execute(
                "UPDATE accounts SET cents = cents + %s WHERE id = %s", (cents, dst)
            )
    return {"ok": True}
