# Releases the libraries accept by keyword count as releases: psycopg2's
# and psycopg_pool's `putconn(conn=c)`, asyncpg's `release(connection=c)`.
# A connection kept in a constant-key entry of a local dict literal
# (`ctx = {"conn": await pool.acquire()}`) is followed under that entry.
# Traps: one keyword release in a finally; the entry released in a finally.
import asyncpg
from psycopg2.pool import ThreadedConnectionPool

pg_pool = ThreadedConnectionPool(1, 10, "postgresql://app@db/app")


def twice(sql):
    conn = pg_pool.getconn()
    try:
        conn.cursor().execute(sql)
    finally:
        pg_pool.putconn(conn=conn)
    pg_pool.putconn(conn=conn, close=True)  # expect: SL101


def once(sql):
    conn = pg_pool.getconn()
    try:
        conn.cursor().execute(sql)
    finally:
        pg_pool.putconn(conn=conn, close=False)


async def read_once(pool: asyncpg.Pool, key):
    conn = await pool.acquire()
    try:
        return await conn.fetchval("SELECT v FROM kv WHERE k = $1", key)
    finally:
        await pool.release(connection=conn)


async def entry_after_release(pool: asyncpg.Pool, key):
    ctx = {"conn": await pool.acquire()}
    try:
        first = await ctx["conn"].fetchval("SELECT v FROM kv WHERE k = $1", key)
    finally:
        await pool.release(ctx["conn"])
    return first, await ctx["conn"].fetchval("SELECT 1")  # expect: SL102


async def entry_released(pool: asyncpg.Pool, key):
    ctx = {"conn": await pool.acquire(), "key": key}
    try:
        return await ctx["conn"].fetchval("SELECT v FROM kv WHERE k = $1", ctx["key"])
    finally:
        await pool.release(ctx["conn"])
