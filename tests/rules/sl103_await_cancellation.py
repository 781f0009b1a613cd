# SL103 at await points: every await may raise, and when the client goes
# away the request's task is cancelled there with CancelledError, which is a
# BaseException: `except Exception` does not see it.  A release after the
# await that is not in finally (or an async with) is skipped.  Reported on
# the acquisition.
import asyncio
import os

import asyncpg
import psycopg
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import sessionmaker

from app.models import Draft, Message, Rate

DSN = os.environ["DATABASE_DSN"]
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
async_session = async_sessionmaker(async_engine, expire_on_commit=False)
LegacyAsyncSession = sessionmaker(async_engine, class_=AsyncSession, expire_on_commit=False)
app = FastAPI()
apg_pool: asyncpg.Pool


@app.on_event("startup")
async def open_pool():
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN)


# the only thing between connect and close is a sleep, and it can be
# cancelled.
async def warm_up_connection():
    conn = await asyncpg.connect(DSN)  # expect: SL103
    await asyncio.sleep(0.5)
    await conn.close()


# release() in `except Exception` and in `else`: cancellation takes neither.
async def bump_counter(name):
    conn = await apg_pool.acquire()  # expect: SL103
    try:
        await conn.execute("UPDATE counters SET n = n + 1 WHERE name = $1", name)
    except Exception:
        await apg_pool.release(conn)
        raise
    else:
        await apg_pool.release(conn)


# async_sessionmaker: close() after the await, not in finally.
async def unread_count(user_id):
    session = async_session()  # expect: SL103
    n = await session.scalar(
        select(func.count()).select_from(Message).where(Message.to_id == user_id)
    )
    await session.close()
    return n


# an await between the acquisition and the try that protects it.
async def refresh_rates(client):
    conn = await apg_pool.acquire()  # expect: SL103
    rates = await client.fetch_rates()
    try:
        await conn.executemany("INSERT INTO rates (pair, value) VALUES ($1, $2)", rates)
    finally:
        await apg_pool.release(conn)


# psycopg 3 async connection closed after two awaits.
async def server_time():
    aconn = await psycopg.AsyncConnection.connect(DSN)  # expect: SL103
    cur = await aconn.execute("SELECT now()")
    (now,) = await cur.fetchone()
    await aconn.close()
    return now


# `except Exception` closes on errors and the normal path closes at the
# end, but a cancelled commit skips both.
async def save_draft(draft: Draft):
    session = async_session()  # expect: SL103
    try:
        session.add(draft)
        await session.commit()
    except Exception:
        await session.rollback()
        await session.close()
        raise
    await session.close()


# a timeout raises TimeoutError out of wait_for.
async def slow_report():
    session = AsyncSession(async_engine)  # expect: SL103
    result = await asyncio.wait_for(session.execute(text("SELECT * FROM report_view")), timeout=5)
    rows = result.all()
    await session.close()
    return rows


# an AsyncConnection from `await async_engine.connect()`.
async def current_schema():
    conn = await async_engine.connect()  # expect: SL103
    schema = await conn.scalar(text("SELECT current_schema()"))
    await conn.close()
    return schema


# sessionmaker(class_=AsyncSession) makes AsyncSessions too.
async def latest_rate(pair):
    session = LegacyAsyncSession()  # expect: SL103
    rate = await session.scalar(select(Rate.value).where(Rate.pair == pair))
    await session.close()
    return rate


# quiet: async with closes on cancellation too.
async def unread_count_safely(user_id):
    async with async_session() as session:
        return await session.scalar(
            select(func.count()).select_from(Message).where(Message.to_id == user_id)
        )


# quiet: finally runs on cancellation.
async def bump_counter_safely(name):
    conn = await apg_pool.acquire()
    try:
        await conn.execute("UPDATE counters SET n = n + 1 WHERE name = $1", name)
    finally:
        await apg_pool.release(conn)


# quiet: acquired inside the try; the None check in finally matches it.
async def ping_primary():
    conn = None
    try:
        conn = await asyncpg.connect(DSN, timeout=3)
        return await conn.fetchval("SELECT 1") == 1
    finally:
        if conn is not None:
            await conn.close()


# quiet: `except BaseException` also catches CancelledError.
async def store_rate(pair, value):
    conn = await apg_pool.acquire()
    try:
        await conn.execute("INSERT INTO rates (pair, value) VALUES ($1, $2)", pair, value)
    except BaseException:
        await apg_pool.release(conn)
        raise
    await apg_pool.release(conn)


# quiet: the close is shielded from a second cancellation, still in finally.
async def archive_messages(before):
    session = async_session()
    try:
        await session.execute(text("CALL archive_messages(:b)"), {"b": before})
        await session.commit()
    finally:
        await asyncio.shield(session.close())


# quiet: wait_for inside async with; the exit releases the connection.
async def slow_count():
    async with apg_pool.acquire() as conn:
        return await asyncio.wait_for(conn.fetchval("SELECT count(*) FROM events"), timeout=2)
