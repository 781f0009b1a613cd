"""Blind cases: generator dependencies and context-manager providers (SL104, SL103)."""
from contextlib import aclosing, asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

import asyncpg
import psycopg2
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

api = FastAPI()
sync_engine = create_engine("postgresql://web@db/web")
WebSession = sessionmaker(bind=sync_engine)
async_engine = create_async_engine("postgresql+asyncpg://web@db/web")
AsyncWebSession = async_sessionmaker(async_engine)


# Bad: releases after yield with no try/finally.
def provide_session() -> Iterator[Session]:
    sess = WebSession()
    yield sess  # expect: SL104
    sess.close()


# Good: try/finally around the yield.
def provide_session_safe() -> Iterator[Session]:
    sess = WebSession()
    try:
        yield sess
    finally:
        sess.close()


# Good: with-block around the yield.
def provide_session_with():
    with WebSession() as sess:
        yield sess


# Bad: `except Exception` does not see GeneratorExit thrown at the yield.
def provide_session_except():
    sess = WebSession()
    try:
        yield sess  # expect: SL104
    except Exception:
        sess.close()
        raise
    sess.close()


# Bad: async provider releasing an asyncpg connection after yield, unguarded.
async def provide_pg() -> AsyncIterator[asyncpg.Connection]:
    link = await asyncpg.connect("postgresql://web@db/web")
    yield link  # expect: SL104
    await link.close()


# Good: async provider with try/finally.
async def provide_pg_safe():
    link = await asyncpg.connect("postgresql://web@db/web")
    try:
        yield link
    finally:
        await link.close()


# Bad: a call between acquire and yield may raise (SL103) and the release after yield is unguarded (SL104).
def provide_psycopg():
    raw = psycopg2.connect("dbname=web")  # expect: SL103
    raw.set_session(readonly=True)
    yield raw  # expect: SL104
    raw.close()


# Good: attribute store before the yield does not raise; release in finally.
def provide_psycopg_ro():
    raw = psycopg2.connect("dbname=web")
    raw.autocommit = True
    try:
        yield raw
    finally:
        raw.close()


# Bad: a generator that never releases what it yields.
def provide_raw_forever():
    dbapi = sync_engine.raw_connection()  # expect: SL103
    yield dbapi


# Bad (SL104): the yielded value is not the resource, but the owned connection is released after the yield unguarded.
async def provide_ready_flag():
    link = await asyncpg.connect("postgresql://web@db/web")
    yield {"ready": True}  # expect: SL104
    await link.close()


# Good: @contextmanager with try/finally.
@contextmanager
def session_scope():
    sess = WebSession()
    try:
        yield sess
        sess.commit()
    except Exception:
        sess.rollback()
        raise
    finally:
        sess.close()


# Bad: @asynccontextmanager closing after yield unguarded.
@asynccontextmanager
async def async_scope():
    sess = AsyncWebSession()
    yield sess  # expect: SL104
    await sess.close()


# Good: @asynccontextmanager using async with.
@asynccontextmanager
async def async_scope_ok():
    async with AsyncWebSession() as sess:
        yield sess


async def inner_provider():
    async with AsyncWebSession() as sess:
        yield sess


# Bad: async for delegation re-yields what another generator owns.
async def outer_provider():
    async for sess in inner_provider():
        yield sess  # expect: SL104


# Good: aclosing() closes the inner generator.
async def outer_provider_closing():
    async with aclosing(inner_provider()) as agen:
        async for sess in agen:
            yield sess


# Good: `yield from` delegation in sync code.
def delegating_provider():
    yield from provide_session_safe()


@api.get("/ping")
def ping(db: Session = Depends(provide_session_safe)):
    return db.execute(text("select 1")).scalar()
