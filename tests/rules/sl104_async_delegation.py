# SL104 by delegation: `async for x in other_gen(): yield x` re-yields what
# another generator owns.  When the endpoint raises, the outer generator is
# closed at its yield but the inner one is only dropped: an async generator
# is not finalized synchronously, so its finally (the close) runs late or
# never.  `yield from` (sync) and contextlib.aclosing() close the inner
# generator properly.  Reported on the yield.
import os
from contextlib import aclosing

import asyncpg
from fastapi import Depends, FastAPI, Header
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

from app.models import Event

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(os.environ["DATABASE_DSN"], min_size=1, max_size=10)


async def get_session():
    async with AsyncSessionLocal() as session:
        yield session


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_conn():
    async with apg_pool.acquire() as conn:
        yield conn


# plain re-yield through async for.
async def get_session_delegated():
    async for session in get_session():
        yield session  # expect: SL104


# re-yield after setting up the tenant.
async def get_tenant_session(x_tenant: str = Header()):
    async for session in get_session():
        await session.execute(text("SELECT set_config('app.tenant', :t, true)"), {"t": x_tenant})
        yield session  # expect: SL104


# re-yield of an asyncpg proxy inside a transaction block.
async def get_tx_conn():
    async for conn in get_conn():
        async with conn.transaction():
            yield conn  # expect: SL104


@app.get("/events")
async def list_events(session: AsyncSession = Depends(get_tenant_session)):
    return (await session.scalars(select(Event))).all()


# quiet: yield from closes the inner generator with the outer one.
def get_db_delegated():
    yield from get_db()


# quiet: aclosing() closes the inner async generator on every exit.
async def get_session_aclosing():
    async with aclosing(get_session()) as sessions:
        async for session in sessions:
            yield session


# quiet: the sub-dependency is declared with Depends; FastAPI closes it.
async def get_tenant_session_dep(
    x_tenant: str = Header(), session: AsyncSession = Depends(get_session)
):
    await session.execute(text("SELECT set_config('app.tenant', :t, true)"), {"t": x_tenant})
    yield session


# quiet: async for over a result stream (rows, not a generator's resource).
async def iter_events():
    async with AsyncSessionLocal() as session:
        async for event in await session.stream_scalars(select(Event)):
            yield event
