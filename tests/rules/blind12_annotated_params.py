# Blind cases for issue 12, point 1: parameters known only by their
# annotation.  Nothing in this module makes the engine, pool or session these
# functions receive (the callers live elsewhere, or FastAPI supplies them
# through providers whose bodies use factories this module cannot see), so
# the annotation is all there is: `Engine`, `AsyncEngine`, `Connection`,
# `asyncpg.Pool` / `asyncpg.pool.Pool`, psycopg_pool's pools, `X | None`,
# `Optional[X]`, `Annotated[X, Depends(...)]`, providers returning
# `AsyncIterator[AsyncSession]` / `Generator[Session, None, None]`, and a
# provider parameter typed `Callable[[], Generator[Session, None, None]]`.
#
# An engine or pool handed in by the caller is still an engine: the
# connection its connect()/acquire()/getconn() makes belongs to this function,
# which must release it (SL103 on that line when only the normal path does).
import asyncio
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Optional

import asyncpg
import asyncpg.pool
from fastapi import Depends, FastAPI, Request
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from sqlalchemy import Connection, Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

app = FastAPI()
executor = ThreadPoolExecutor(max_workers=2)


# --- sync SQLAlchemy engine -------------------------------------------------------


def purge_expired_sessions(engine: Engine) -> int:
    conn = engine.connect()  # expect: SL103
    deleted = conn.execute(text("DELETE FROM web_sessions WHERE expires_at < now()")).rowcount
    conn.commit()
    conn.close()
    return deleted


def purge_expired_tokens(engine: Engine) -> int:
    with engine.begin() as conn:
        return conn.execute(text("DELETE FROM tokens WHERE expires_at < now()")).rowcount


def export_table(table: str, engine: Engine | None = None) -> list[dict]:
    if engine is None:
        raise ValueError("an engine is required")
    conn = engine.connect()  # expect: SL103
    rows = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
    conn.close()
    return [dict(r) for r in rows]


def export_table_safe(table: str, engine: Optional[Engine] = None) -> list[dict]:
    if engine is None:
        raise ValueError("an engine is required")
    conn = engine.connect()
    try:
        rows = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
    finally:
        conn.close()
    return [dict(r) for r in rows]


def close_and_log(conn: Connection, job_id: int) -> None:
    conn.commit()
    conn.close()
    conn.execute(text("INSERT INTO job_log (job_id) VALUES (:j)"), {"j": job_id})  # expect: SL102


def log_job(conn: Connection, job_id: int) -> None:
    conn.execute(text("INSERT INTO job_log (job_id) VALUES (:j)"), {"j": job_id})
    conn.commit()


# --- async SQLAlchemy engine ------------------------------------------------------


async def vacuum_table(engine: AsyncEngine, table: str) -> None:
    conn = await engine.connect()  # expect: SL103
    await conn.execution_options(isolation_level="AUTOCOMMIT")
    await conn.execute(text(f"VACUUM ANALYZE {table}"))
    await conn.close()


async def analyze_table(engine: AsyncEngine, table: str) -> None:
    async with engine.connect() as conn:
        await conn.execute(text(f"ANALYZE {table}"))


# --- asyncpg pools --------------------------------------------------------------


async def count_users(pool: asyncpg.Pool) -> int:
    conn = await pool.acquire()  # expect: SL103
    n = await conn.fetchval("SELECT count(*) FROM users")
    await pool.release(conn)
    return n


async def count_orders(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM orders")


async def latest_events(limit: int, pool: Optional[asyncpg.pool.Pool] = None) -> list:
    if pool is None:
        raise RuntimeError("pool not initialised")
    conn = await pool.acquire()  # expect: SL103
    rows = await conn.fetch("SELECT id, kind FROM events ORDER BY id DESC LIMIT $1", limit)
    await pool.release(conn)
    return [dict(r) for r in rows]


async def latest_events_safe(limit: int, pool: Optional[asyncpg.pool.Pool] = None) -> list:
    if pool is None:
        raise RuntimeError("pool not initialised")
    conn = await pool.acquire()
    try:
        rows = await conn.fetch("SELECT id, kind FROM events ORDER BY id DESC LIMIT $1", limit)
    finally:
        await pool.release(conn)
    return [dict(r) for r in rows]


# --- psycopg_pool ----------------------------------------------------------------


def load_feature_flags(pool: ConnectionPool) -> dict:
    conn = pool.getconn()  # expect: SL103
    rows = conn.execute("SELECT name, enabled FROM feature_flags").fetchall()
    pool.putconn(conn)
    return dict(rows)


def load_feature_flags_safe(pool: ConnectionPool) -> dict:
    with pool.connection() as conn:
        return dict(conn.execute("SELECT name, enabled FROM feature_flags").fetchall())


async def record_login(user_id: int, pool: AsyncConnectionPool | None) -> None:
    assert pool is not None
    conn = await pool.getconn()  # expect: SL103
    await conn.execute("INSERT INTO logins (user_id) VALUES (%s)", (user_id,))
    await conn.commit()
    await pool.putconn(conn)


async def record_logout(user_id: int, pool: AsyncConnectionPool | None) -> None:
    assert pool is not None
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO logouts (user_id) VALUES (%s)", (user_id,))


# --- FastAPI: Annotated dependencies of engines and pools ---------------------


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


EngineDep = Annotated[Engine, Depends(get_engine)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]


@app.get("/stats/tables")
def table_stats(engine: EngineDep):
    conn = engine.connect()  # expect: SL103
    rows = conn.execute(text("SELECT relname, n_live_tup FROM pg_stat_user_tables")).all()
    conn.close()
    return {r.relname: r.n_live_tup for r in rows}


@app.get("/stats/indexes")
def index_stats(engine: EngineDep):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT indexrelname, idx_scan FROM pg_stat_user_indexes")).all()
    return {r.indexrelname: r.idx_scan for r in rows}


@app.get("/stats/locks")
async def lock_stats(pool: PoolDep):
    conn = await pool.acquire()  # expect: SL103
    n = await conn.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted")
    await pool.release(conn)
    return {"waiting": n}


@app.get("/stats/activity")
async def activity_stats(pool: PoolDep):
    async with pool.acquire() as conn:
        return {"active": await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'")}


# --- sessions known by annotations: X | None, Optional[X], provider returns ---


async def load_profile(session: AsyncSession, user_id: int):
    return (await session.execute(text("SELECT * FROM profiles WHERE user_id = :u"), {"u": user_id})).first()


async def load_orders(session: AsyncSession, user_id: int):
    return (await session.execute(text("SELECT * FROM orders WHERE user_id = :u"), {"u": user_id})).all()


async def user_page(user_id: int, session: AsyncSession | None = None):
    if session is None:
        raise ValueError("session required")
    return await asyncio.gather(load_profile(session, user_id), load_orders(session, user_id))  # expect: SL203


async def user_page_sequential(user_id: int, session: Optional[AsyncSession] = None):
    if session is None:
        raise ValueError("session required")
    profile = await load_profile(session, user_id)
    orders = await load_orders(session, user_id)
    return profile, orders


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    # the sessionmaker lives on app.state, set by code this module cannot see
    async with request.app.state.sessionmaker() as session:
        yield session


@app.get("/users/{user_id}/page")
async def user_page_endpoint(user_id: int, session=Depends(get_session)):
    profile, orders = await asyncio.gather(load_profile(session, user_id), load_orders(session, user_id))  # expect: SL203
    return {"profile": profile, "orders": len(orders)}


@app.get("/users/{user_id}/page-sequential")
async def user_page_sequential_endpoint(user_id: int, session=Depends(get_session)):
    profile = await load_profile(session, user_id)
    orders = await load_orders(session, user_id)
    return {"profile": profile, "orders": len(orders)}


def get_db(request: Request) -> Generator[Session, None, None]:
    with request.app.state.Session() as db:
        yield db


def rebuild_search_index(db: Session) -> None:
    db.execute(text("REFRESH MATERIALIZED VIEW search_index"))
    db.commit()


@app.post("/search/rebuild")
def rebuild_search(db=Depends(get_db)):
    executor.submit(rebuild_search_index, db)  # expect: SL202
    return {"queued": True}


@app.post("/search/rebuild-now")
def rebuild_search_now(db=Depends(get_db)):
    executor.submit(rebuild_search_index, db).result()
    return {"done": True}


# --- a provider handed in as a callable: next() acquires, gen.close() releases ---


def run_nightly_cleanup(session_provider: Callable[[], Generator[Session, None, None]]) -> int:
    gen = session_provider()
    db = next(gen)  # expect: SL103
    deleted = db.execute(text("DELETE FROM carts WHERE updated_at < now() - interval '30 days'")).rowcount
    db.commit()
    gen.close()
    return deleted


def run_nightly_cleanup_safe(session_provider: Callable[[], Generator[Session, None, None]]) -> int:
    gen = session_provider()
    db = next(gen)
    try:
        deleted = db.execute(text("DELETE FROM carts WHERE updated_at < now() - interval '30 days'")).rowcount
        db.commit()
    finally:
        gen.close()
    return deleted
