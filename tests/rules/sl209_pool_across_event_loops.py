# SL209 pool-across-event-loops: asyncio.run() makes a new event loop each
# time.  A coroutine it runs that takes connections of an async pool living
# for the process (a module-level engine, or one cached by lru_cache) gets,
# on a later run, a connection an earlier run opened on its own loop:
# asyncpg fails with "attached to a different loop".
# Convention: the finding is on the asyncio.run() call.
import asyncio
import functools
import os

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=5)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
nullpool_engine = create_async_engine(os.environ["DATABASE_URL"], poolclass=NullPool)


@functools.lru_cache(maxsize=None)
def cached_engine():
    return create_async_engine(os.environ["DATABASE_URL"], pool_size=5)


async def count_jobs() -> int:
    async with SessionLocal() as session:
        return (await session.execute(text("SELECT count(*) FROM jobs"))).scalar()


async def job_status(job_id: int) -> str:
    async with AsyncSession(cached_engine()) as session:
        return (await session.execute(text("SELECT status FROM jobs WHERE id = :i"), {"i": job_id})).scalar()


async def count_jobs_unpooled() -> int:
    async with nullpool_engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM jobs"))).scalar()


async def count_jobs_disposed() -> int:
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM jobs"))).scalar()
    finally:
        await engine.dispose()


# Bad: a sync entry point called by workers, once per call a new loop.
def jobs_pending() -> int:
    return asyncio.run(count_jobs())  # expect: SL209 "`count_jobs` runs on a new event loop"


# Bad: the engine cached for the process.
def status_of(job_id: int) -> str:
    return asyncio.run(job_status(job_id))  # expect: SL209


# Quiet: no pool to keep connections between runs.
def jobs_pending_unpooled() -> int:
    return asyncio.run(count_jobs_unpooled())


# Quiet: the coroutine disposes of the pool before its loop ends.
def jobs_pending_disposed() -> int:
    return asyncio.run(count_jobs_disposed())


async def main() -> None:
    print(await count_jobs())


# Quiet: the process's one event loop.
if __name__ == "__main__":
    asyncio.run(main())
