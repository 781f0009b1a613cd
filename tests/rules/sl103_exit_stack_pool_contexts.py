# What an ExitStack enters is released when the stack closes, as far as the
# entered context manager's own exit releases it: a pool's `acquire()`
# context gives its connection back, like `async with pool.acquire()`.
from contextlib import AsyncExitStack, ExitStack

import asyncpg
from psycopg_pool import ConnectionPool

pool: asyncpg.Pool = None  # set at startup
sync_pool = ConnectionPool("postgresql://app@db/app")


# quiet: the stack gives the connection back to the pool
async def fetch_all(sql: str):
    async with AsyncExitStack() as stack:
        conn = await stack.enter_async_context(pool.acquire())
        tx = conn.transaction()
        await stack.enter_async_context(tx)
        return await conn.fetch(sql)


# quiet: psycopg_pool's connection() context, on a sync stack
def count(sql: str):
    with ExitStack() as stack:
        conn = stack.enter_context(sync_pool.connection())
        return conn.execute(sql).fetchone()


# taken outside the stack and never given back
async def fetch_rows(sql: str):
    async with AsyncExitStack() as stack:
        stack.push_async_callback(pool.close)
        conn = await pool.acquire()  # expect: SL103
        return await conn.fetch(sql)
