# The project's providers: one lends a session and closes it after its
# yield, one lends a connection of an asyncpg pool, one only lends.
from collections.abc import AsyncGenerator

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=10)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
pool: asyncpg.Pool


async def get_db() -> AsyncGenerator[AsyncSession, None]:
    async with SessionLocal() as session:
        yield session


async def get_conn():
    async with pool.acquire() as conn:
        yield conn


async def numbers():
    for i in range(3):
        yield i
