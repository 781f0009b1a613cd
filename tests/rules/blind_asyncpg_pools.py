"""Blind cases: asyncpg pools in lifespan/startup code, dependencies and retry loops."""
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Depends, FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool("postgresql://p@db/p")
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


# Good: async with pool.acquire() gives the proxy back at exit.
async def count_jobs(dsn):
    pool = await asyncpg.create_pool(dsn)
    async with pool.acquire() as proxy:
        return await proxy.fetchval("select count(*) from jobs")


# Good: pool used as an async context manager, connection via async with.
async def drain(dsn):
    async with asyncpg.create_pool(dsn) as pool:
        async with pool.acquire() as proxy:
            await proxy.execute("delete from jobs where done")


# Good: acquire/release with try/finally.
async def claim_job(dsn):
    pool = await asyncpg.create_pool(dsn)
    proxy = await pool.acquire()
    try:
        return await proxy.fetchrow("select * from jobs for update skip locked limit 1")
    finally:
        await pool.release(proxy)


# Bad: release only on the normal path; fetch may raise or be cancelled.
async def claim_job_leaky(dsn):
    pool = await asyncpg.create_pool(dsn)
    proxy = await pool.acquire()  # expect: SL103
    row = await proxy.fetchrow("select 1")
    await pool.release(proxy)
    return row


# Bad: `except Exception` around the await does not see cancellation.
async def claim_job_except(dsn):
    pool = await asyncpg.create_pool(dsn)
    proxy = await pool.acquire()  # expect: SL103
    try:
        row = await proxy.fetchrow("select 1")
    except Exception:
        await pool.release(proxy)
        raise
    await pool.release(proxy)
    return row


# Good: a direct asyncpg connection in a retry loop, closed in finally each attempt.
async def retrying(dsn, attempts):
    for _ in range(attempts):
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("update jobs set n = n + 1")
            return True
        except asyncpg.SerializationError:
            continue
        finally:
            await conn.close()
    return False


# Bad: a counted while-retry loop; the connection of a failed attempt is dropped.
def retry_counted(dsn, retries):
    import psycopg2
    while retries:
        conn = psycopg2.connect(dsn)  # expect: SL103
        try:
            conn.commit()
        except psycopg2.OperationalError:
            retries -= 1
            continue
        conn.close()
        return True
    return False


async def get_proxy(dsn: str = "postgresql://p@db/p"):
    pool = await asyncpg.create_pool(dsn)
    async with pool.acquire() as proxy:
        yield proxy


# Good: endpoint borrowing the dependency's proxy.
@app.get("/jobs")
async def jobs(proxy=Depends(get_proxy)):
    return await proxy.fetch("select * from jobs")
