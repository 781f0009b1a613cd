# SL103 once per acquisition form of the resource table, each in the same
# shape (acquire, one statement that can raise, release outside finally), so
# that a missing finding points at the model, not at the dataflow.  Names
# are imported in several styles (module, from-import, alias) because the
# model must see through each.  Reported on the acquisition.
import os

import asyncpg
import psycopg
import psycopg2
import psycopg2 as pg2
import psycopg_pool
import sqlmodel
from psycopg2 import connect as pg2_connect
from psycopg2.pool import SimpleConnectionPool, ThreadedConnectionPool
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session as ModelSession

from app.models import Hero

DSN = os.environ["DATABASE_DSN"]
URL = os.environ["DATABASE_URL"]
engine = create_engine(URL)
model_engine = sqlmodel.create_engine(URL)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
AsyncSessionClassic = sessionmaker(async_engine, class_=AsyncSession)
simple_pool = SimpleConnectionPool(1, 5, DSN)
threaded_pool = ThreadedConnectionPool(1, 20, DSN)
pool3 = ConnectionPool(DSN)
qualified_pool = psycopg_pool.ConnectionPool(DSN)
apool3 = AsyncConnectionPool(DSN, open=False)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# a sessionmaker instance called.
def form_sessionmaker():
    db = SessionLocal()  # expect: SL103
    db.execute(text("SELECT 1"))
    db.close()


# Session(engine), the class imported under another name.
def form_session_class():
    session = OrmSession(engine)  # expect: SL103
    session.execute(text("SELECT 1"))
    session.close()


# SQLModel's Session(engine).
def form_sqlmodel_session():
    session = ModelSession(model_engine)  # expect: SL103
    heroes = session.exec(sqlmodel.select(Hero)).all()
    session.close()
    return heroes


# AsyncSession(engine).
async def form_async_session_class():
    session = AsyncSession(async_engine)  # expect: SL103
    await session.execute(text("SELECT 1"))
    await session.close()


# an async_sessionmaker instance called.
async def form_async_sessionmaker():
    session = AsyncSessionLocal()  # expect: SL103
    await session.execute(text("SELECT 1"))
    await session.close()


# a sessionmaker(class_=AsyncSession) instance called.
async def form_sessionmaker_async_class():
    session = AsyncSessionClassic()  # expect: SL103
    await session.execute(text("SELECT 1"))
    await session.close()


# engine.connect().
def form_engine_connect():
    conn = engine.connect()  # expect: SL103
    conn.execute(text("SELECT 1"))
    conn.close()


# await async_engine.connect().
async def form_async_engine_connect():
    conn = await async_engine.connect()  # expect: SL103
    await conn.execute(text("SELECT 1"))
    await conn.close()


# engine.raw_connection(): a pooled DB-API connection.
def form_raw_connection():
    dbapi_conn = engine.raw_connection()  # expect: SL103
    with dbapi_conn.cursor() as cur:
        cur.execute("SELECT 1")
    dbapi_conn.close()


# psycopg2.connect.
def form_psycopg2_connect():
    conn = psycopg2.connect(DSN)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.close()


# psycopg2.connect under an alias of the module.
def form_psycopg2_alias():
    conn = pg2.connect(DSN)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.close()


# psycopg2.connect imported by name under another name.
def form_psycopg2_from_import():
    conn = pg2_connect(dsn=DSN)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.close()


# psycopg.connect (psycopg 3).
def form_psycopg3_connect():
    conn = psycopg.connect(DSN)  # expect: SL103
    conn.execute("SELECT 1")
    conn.close()


# await psycopg.AsyncConnection.connect.
async def form_psycopg3_async_connect():
    aconn = await psycopg.AsyncConnection.connect(DSN)  # expect: SL103
    await aconn.execute("SELECT 1")
    await aconn.close()


# await asyncpg.connect.
async def form_asyncpg_connect():
    conn = await asyncpg.connect(DSN)  # expect: SL103
    await conn.execute("SELECT 1")
    await conn.close()


# psycopg2 SimpleConnectionPool.getconn.
def form_simple_pool():
    conn = simple_pool.getconn()  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    simple_pool.putconn(conn)


# psycopg2 ThreadedConnectionPool.getconn with a key.
def form_threaded_pool_key(tenant):
    conn = threaded_pool.getconn(key=tenant)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    threaded_pool.putconn(conn, key=tenant)


# psycopg_pool ConnectionPool.getconn.
def form_psycopg_pool():
    conn = pool3.getconn()  # expect: SL103
    conn.execute("SELECT 1")
    pool3.putconn(conn)


# psycopg_pool.ConnectionPool reached through the module name.
def form_psycopg_pool_qualified():
    conn = qualified_pool.getconn(timeout=5)  # expect: SL103
    conn.execute("SELECT 1")
    qualified_pool.putconn(conn)


# psycopg_pool AsyncConnectionPool.getconn.
async def form_async_psycopg_pool():
    aconn = await apool3.getconn()  # expect: SL103
    await aconn.execute("SELECT 1")
    await apool3.putconn(aconn)


# asyncpg await pool.acquire() / await pool.release().
async def form_asyncpg_pool():
    conn = await apg_pool.acquire()  # expect: SL103
    await conn.execute("SELECT 1")
    await apg_pool.release(conn)


# a cursor created by the function (its connection is borrowed): closed on
# the normal path only.
def form_cursor(conn):
    cur = conn.cursor()  # expect: SL103
    cur.execute("SELECT id FROM users")
    ids = [r[0] for r in cur.fetchall()]
    cur.close()
    return ids
