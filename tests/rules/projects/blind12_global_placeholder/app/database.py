# Placeholders at import time, filled by init_engines() under `global` when
# the application starts (the lifespan in main.py); every other module reads
# them through the module (`database.SessionLocal()`), after startup.
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

engine: AsyncEngine | None = None
SessionLocal: async_sessionmaker[AsyncSession] | None = None
sync_engine = None


def init_engines(url: str, sync_url: str) -> None:
    global engine, SessionLocal, sync_engine
    engine = create_async_engine(url, pool_size=20, pool_pre_ping=True)
    SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
    sync_engine = create_engine(sync_url, pool_pre_ping=True)


async def dispose_engines() -> None:
    if engine is not None:
        await engine.dispose()
    if sync_engine is not None:
        sync_engine.dispose()


async def get_session():
    async with SessionLocal() as session:
        yield session
