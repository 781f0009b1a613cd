# SL104: a generator (FastAPI dependency, @contextmanager, or plain) that
# yields a resource it owns and releases it after the yield outside
# try/finally and with.  FastAPI throws the endpoint's exception into the
# generator at the yield (CancelledError when the client disconnects), so
# the release never runs on those requests.  Reported on the yield.
import os
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

import asyncpg
import psycopg2
from fastapi import Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Item, Tenant

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 20, DSN)
pool3 = ConnectionPool(DSN)
app = FastAPI()
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# the textbook mistake: close() after the yield, unguarded.
def get_db() -> Iterator[Session]:
    db = SessionLocal()
    yield db  # expect: SL104
    db.close()


# the async version.
async def get_session() -> AsyncIterator[AsyncSession]:
    session = AsyncSessionLocal()
    yield session  # expect: SL104
    await session.close()


# commit and close after the yield, neither guarded (a provider nothing here
# names: the commit after its yield is SL204 as well).
def get_db_tx():
    db = SessionLocal()
    yield db  # expect: SL104
    db.commit()  # expect: SL204
    db.close()


# try/except without finally: the close after the try is skipped when the
# handler re-raises.
def get_db_rollback():
    db = SessionLocal()
    try:
        yield db  # expect: SL104
    except Exception:
        db.rollback()
        raise
    db.close()


# `except Exception` and `else` both close, but CancelledError (a client
# disconnect) is not an Exception and skips both.
async def get_session_checked():
    session = AsyncSessionLocal()
    try:
        yield session  # expect: SL104
    except Exception:
        await session.close()
        raise
    else:
        await session.close()


# a pooled psycopg2 connection returned after the yield.
def get_conn():
    conn = pg_pool.getconn()
    yield conn  # expect: SL104
    pg_pool.putconn(conn)


# an asyncpg proxy released after the yield.
async def get_apg_conn():
    conn = await apg_pool.acquire()
    yield conn  # expect: SL104
    await apg_pool.release(conn)


# the cursor is guarded by its with block, the connection is not: the
# connection is open at the yield and closed after it unguarded (SL104 on
# the yield), and conn.cursor() can raise before the yield (SL103).
def get_cursor():
    conn = psycopg2.connect(DSN)  # expect: SL103
    with conn.cursor() as cur:
        yield cur  # expect: SL104
    conn.close()


# @contextmanager: an exception in the caller's with block arrives at the
# yield just the same.
@contextmanager
def transaction():
    conn = pool3.getconn()
    yield conn  # expect: SL104
    conn.commit()
    pool3.putconn(conn)


# @asynccontextmanager without try/finally.
@asynccontextmanager
async def tenant_session(tenant_id):
    session = AsyncSessionLocal(info={"tenant": tenant_id})
    yield session  # expect: SL104
    await session.close()


# a plain generator: a consumer that stops early closes it at the yield
# (GeneratorExit), and the close after the yield is skipped.
def tenant_sessions(tenants):
    for tenant in tenants:
        db = SessionLocal(info={"tenant": tenant.id})
        yield db  # expect: SL104
        db.close()


# not SL104 but SL103: the provider never releases what it yields at all.
def get_db_never_closed():
    db = SessionLocal()  # expect: SL103
    yield db


@app.get("/items")
def list_items(db: Session = Depends(get_db)):
    return db.scalars(select(Item)).all()


@app.get("/tenants")
async def list_tenants(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Tenant))).all()


# quiet: try/finally around the yield.
def get_db_safe():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# quiet: with around the yield.
def get_db_with():
    with SessionLocal() as db:
        yield db


# quiet: async with around the yield.
async def get_session_with():
    async with AsyncSessionLocal() as session:
        yield session


# quiet: asyncpg acquire block around the yield.
async def get_apg_conn_with():
    async with apg_pool.acquire() as conn:
        yield conn


# quiet: psycopg_pool connection block around the yield.
def get_pool3_conn():
    with pool3.connection() as conn:
        yield conn


# quiet: putconn in finally; the yield is inside the try.
def get_conn_safe():
    conn = pg_pool.getconn()
    try:
        yield conn
    finally:
        pg_pool.putconn(conn)


# quiet: a generator that yields rows, with the session in a with block.
def iter_items(batch=500):
    with SessionLocal() as db:
        for item in db.scalars(select(Item).execution_options(yield_per=batch)):
            yield item


# quiet: a generator over a borrowed connection; it releases nothing.
def iter_rows(conn, query):
    with conn.cursor() as cur:
        cur.execute(query)
        for row in cur:
            yield row


# A streaming body that yields inside a loop: the finding and its step are
# the yield, not the first call of the loop's body (the loop's header holds
# the whole body, but only the yield is where the consumer throws in).
async def csv_rows(statement):
    sub = AsyncSessionLocal()  # expect: SL103 "if the call on line"
    result = await sub.stream_scalars(statement)
    async for item in result:
        label = (
            str(item.id)
            if item.parent_id is None
            else str(item.parent_id)
        )
        yield label  # expect: SL104 "at the yield"
    await sub.close()
