# Traps: every acquisition form of the resource table released by its
# context manager (or a try/finally), including on exceptions, returns and
# cancellation.  All correct: no finding anywhere in this file.
import contextlib
import os
from contextlib import AsyncExitStack, ExitStack, closing

import asyncpg
import psycopg
import psycopg2
import sqlmodel
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from app.models import Hero

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(async_engine)
AsyncSessionClassic = sessionmaker(async_engine, class_=AsyncSession)
pool3 = ConnectionPool(DSN)
apool3 = AsyncConnectionPool(DSN, open=False)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# with on a sessionmaker instance.
def with_sessionmaker():
    with SessionLocal() as db:
        return db.execute(text("SELECT 1")).scalar()


# SessionLocal.begin(): commits and closes at the end.
def with_sessionmaker_begin(row):
    with SessionLocal.begin() as db:
        db.add(row)


# Session(engine) and a transaction block inside it.
def with_session_and_begin(row):
    with Session(engine) as session, session.begin():
        session.add(row)


# SQLModel's Session.
def with_sqlmodel_session():
    with sqlmodel.Session(engine) as session:
        return session.exec(sqlmodel.select(Hero)).all()


# AsyncSession(engine) and async_sessionmaker.
async def with_async_sessions():
    async with AsyncSession(async_engine) as a, AsyncSessionLocal() as b:
        await a.execute(text("SELECT 1"))
        await a.commit()  # one connection at a time (SL206 otherwise)
        await b.execute(text("SELECT 1"))


# sessionmaker(class_=AsyncSession), with begin() for the transaction.
async def with_async_classic(row):
    async with AsyncSessionClassic() as session:
        async with session.begin():
            session.add(row)


# engine.connect() and engine.begin().
def with_engine_connections():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE counters SET n = n + 1"))


# async engine connect() and begin().
async def with_async_engine_connections():
    async with async_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    async with async_engine.begin() as conn:
        await conn.execute(text("UPDATE counters SET n = n + 1"))


# engine.raw_connection() closed in finally.
def raw_connection_finally():
    dbapi_conn = engine.raw_connection()
    try:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT 1")
        return cur.fetchone()
    finally:
        dbapi_conn.close()


# psycopg2 connection closed by contextlib.closing; `with conn` inside it
# only ends the transaction.
def psycopg2_closing():
    with closing(psycopg2.connect(DSN)) as conn:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE counters SET n = n + 1")


# psycopg 3: with closes the connection; the cursor has its own with.
def psycopg3_with():
    with psycopg.connect(DSN) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone()


# psycopg 3 async connection.
async def psycopg3_async_with():
    async with await psycopg.AsyncConnection.connect(DSN) as aconn:
        async with aconn.cursor() as cur:
            await cur.execute("SELECT 1")
            return await cur.fetchone()


# asyncpg connection closed in finally.
async def asyncpg_finally():
    conn = await asyncpg.connect(DSN)
    try:
        return await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


# psycopg_pool connection() blocks, sync and async.
def psycopg_pool_blocks():
    with pool3.connection() as conn:
        conn.execute("SELECT 1")


async def psycopg_async_pool_blocks():
    async with apool3.connection() as aconn:
        await aconn.execute("SELECT 1")


# asyncpg: async with pool.acquire(), and a transaction block inside.
async def asyncpg_acquire_block():
    async with apg_pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("UPDATE counters SET n = n + 1")


# a cursor from contextlib.closing on a borrowed connection.
def cursor_closing(conn):
    with closing(conn.cursor()) as cur:
        cur.execute("SELECT 1")
        return cur.fetchone()


# ExitStack.enter_context for a session and a connection.
def exit_stack_enter_context():
    with ExitStack() as stack:
        db = stack.enter_context(SessionLocal())
        conn = stack.enter_context(engine.connect())
        conn.execute(text("SELECT 1"))
        conn.close()  # one connection at a time (SL206 otherwise); a second close is harmless
        db.execute(text("SELECT 1"))


# ExitStack.callback(conn.close) right after the connect.
def exit_stack_callback():
    with ExitStack() as stack:
        conn = psycopg2.connect(DSN)
        stack.callback(conn.close)
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone()


# contextlib.ExitStack spelled through the module.
def exit_stack_qualified():
    with contextlib.ExitStack() as stack:
        cur = stack.enter_context(closing(psycopg2.connect(DSN))).cursor()
        cur.execute("SELECT 1")
        return cur.fetchone()


# AsyncExitStack: enter_async_context and push_async_callback.
async def async_exit_stack():
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(AsyncSessionLocal())
        conn = await asyncpg.connect(DSN)
        stack.push_async_callback(conn.close)
        await session.execute(text("SELECT 1"))
        return await conn.fetchval("SELECT 1")
