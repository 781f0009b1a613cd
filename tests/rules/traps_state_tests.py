# A test of a resource's own state is a fact on each branch: `conn.closed`
# or `conn.is_closed()` true means closed already (by the server, by
# someone else): nothing is left to release, so skipping close() there is
# no leak; false after our own close() cannot happen.  A pooled connection
# is the exception: closed or not, its pool slot waits for putconn().
import asyncio

import asyncpg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool

pool = ThreadedConnectionPool(1, 5, dsn="dbname=app")


# quiet: `conn and not conn.is_closed()` false means no connection, or a
# closed one; the loop rebinds conn only after the finally.
async def listen_forever(dsn):
    while True:
        conn = None
        try:
            conn = await asyncpg.connect(dsn)
            await conn.execute("LISTEN events")
            await asyncio.sleep(60)
        except Exception:
            await asyncio.sleep(5)
        finally:
            if conn and not conn.is_closed():
                await conn.close()


# quiet: closed only when still open
def ping(dsn):
    conn = psycopg2.connect(dsn)
    try:
        conn.cursor().execute("SELECT 1")
    finally:
        if not conn.closed:
            conn.close()


# quiet: after our own close the connection is never "not closed"
def close_then_check(dsn):
    conn = psycopg2.connect(dsn)
    conn.close()
    if not conn.closed:
        conn.cursor()


# bad: a broken pooled connection still holds its pool slot until putconn
def broken_pooled():
    conn = pool.getconn()  # expect: SL103 "when the function returns on line 53"
    if conn.closed:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone()
    finally:
        pool.putconn(conn)
