# SL103 in coroutines: an awaited close becomes `async with`; an awaited
# `engine.connect()` loses its await, as `async with engine.connect()` starts
# the connection itself.
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://localhost/app")
AsyncSessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def load_user(user_id):
    session = AsyncSessionLocal()
    user = await session.get(dict, user_id)
    await session.close()
    return user


async def table_count(name):
    conn = await engine.connect()
    n = await conn.scalar(text("SELECT count(*) FROM " + name))
    await conn.close()
    return n


async def touch(user_id):
    session = AsyncSession(engine)
    await session.execute(text("UPDATE users SET seen = now() WHERE id = :id"), {"id": user_id})
    await session.commit()
    await session.close()
