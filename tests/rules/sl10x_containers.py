# Containers (issue 12, point 4): entries of a dict with a constant key hold
# what is stored in them; a worker's context dict carries its pool from the
# startup hook to each job; a provider that yields inside its own committing
# context manager commits after the response.
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

Factory = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI()


async def on_startup(ctx: dict) -> None:
    ctx["db_pool"] = await asyncpg.create_pool(os.environ["DSN"])


async def reindex(ctx: dict, table: str) -> None:
    conn = await ctx["db_pool"].acquire()  # expect: SL103
    await conn.execute(f"REINDEX TABLE {table}")
    await ctx["db_pool"].release(conn)


async def vacuum(ctx: dict, table: str) -> None:
    async with ctx["db_pool"].acquire() as conn:  # quiet
        await conn.execute(f"VACUUM {table}")


def batch(rows: list) -> int:
    state = {"done": 0}
    state["session"] = Factory()  # expect: SL103
    for row in rows:
        state["session"].execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": row})
        state["done"] += 1
    state["session"].commit()
    state["session"].close()
    return state["done"]


def batch_safe(rows: list) -> int:
    state = {"done": 0}
    state["session"] = Factory()
    try:
        for row in rows:
            state["session"].execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": row})
        state["session"].commit()
    finally:
        state["session"].close()
    return len(rows)


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[AsyncSession]:
    async with AsyncFactory() as session:
        yield session
        await session.commit()


async def get_uow_session() -> AsyncIterator[AsyncSession]:
    async with unit_of_work() as session:  # expect: SL204
        yield session


@app.post("/items")
async def create_item(name: str, session: AsyncSession = Depends(get_uow_session)):
    await session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})


# A decorator's wrapper owns its `**kwargs` dict (a new one each call): a
# session stored in it and handed to the wrapped function is still the
# wrapper's to close.  Here the close after the try is never reached.
def with_db(func):
    def wrapper(*args, **kwargs):
        owned = False
        if not kwargs.get("db"):
            kwargs["db"] = Factory()  # expect: SL103
            owned = True
        try:
            return func(*args, **kwargs)
        except Exception:
            if owned:
                kwargs["db"].rollback()
            raise
        if owned:
            kwargs["db"].close()

    return wrapper


def with_db_safe(func):
    def wrapper(*args, **kwargs):
        owned = False
        if not kwargs.get("db"):
            kwargs["db"] = Factory()
            owned = True
        try:
            return func(*args, **kwargs)
        finally:
            if owned:
                kwargs["db"].close()

    return wrapper


# Returning the dict hands its entries to the caller: only the exception
# path between leaks, and the message says which call, not "no path".
def handed_back(**kwargs):
    kwargs["db"] = Factory()  # expect: SL103 "is not released if the call on line"
    kwargs["db"].execute(text("SELECT 1"))
    return kwargs


def handed_back_quiet(**kwargs):
    kwargs["db"] = Factory()
    return kwargs
