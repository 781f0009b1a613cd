# SL203 and psycopg 3: a psycopg 3 connection (sync or async) serializes
# its statements behind a lock, so gathering two on one connection waits
# rather than fails (like psycopg2's); asyncpg's connection refuses a second
# operation while one runs ("another operation is in progress").
import asyncio

import asyncpg
import psycopg


async def psycopg3_gathered(dsn):
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        await asyncio.gather(conn.execute("SELECT 1"), conn.execute("SELECT 2"))


async def psycopg3_typed(conn: psycopg.AsyncConnection):
    await asyncio.gather(conn.execute("SELECT 1"), conn.execute("SELECT 2"))


async def asyncpg_gathered(dsn):
    conn = await asyncpg.connect(dsn)
    try:
        await asyncio.gather(conn.execute("SELECT 1"), conn.execute("SELECT 2"))  # expect: SL203
    finally:
        await conn.close()


async def asyncpg_typed(conn: asyncpg.Connection):
    await asyncio.gather(conn.execute("SELECT 1"), conn.execute("SELECT 2"))  # expect: SL203
