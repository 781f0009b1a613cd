# SL202 outlives-owner through an await that may return before the work it
# waits for has ended: the code itself sets up the early return, and a thread
# cannot be cancelled, so it keeps running with the session while the caller
# releases it (the `with` exit, a `finally: close()`, the end of a
# dependency's scope after the exception leaves the endpoint).
# - anyio's `to_thread.run_sync(..., abandon_on_cancel=True)` (before 4.1:
#   `cancellable=True`) returns as soon as the awaiting task is cancelled;
# - `asyncio.wait_for(...)` with a timeout around `asyncio.to_thread(...)` or
#   `run_in_executor(...)`: on the timeout it raises while the thread runs on;
# - `asyncio.timeout(t)`, `anyio.fail_after(t)`, `anyio.move_on_after(t)`
#   around such an await: the scope cancels the await, not the thread;
# - `asyncio.shield(...)`: the awaiting task may be cancelled while the
#   shielded work goes on.
# Quiet: anyio's run_sync without abandon (anyio waits for the thread even
# when cancelled), a plain `await asyncio.to_thread(...)` (nothing here sets
# up an early return), `wait_for` of a coroutine (it waits until the
# coroutine has been cancelled), `timeout=None`, work that opens its own
# session in the thread.
import asyncio
import os
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from anyio import to_thread
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DB = Annotated[Session, Depends(get_db)]


def rebuild_search_index(db: Session) -> int:
    return db.execute(text("SELECT rebuild_search_index()")).scalar_one()


def vacuum_stats(db: Session) -> None:
    db.execute(text("ANALYZE"))


def rebuild_alone() -> int:
    with SessionLocal() as db:
        return db.execute(text("SELECT rebuild_search_index()")).scalar_one()


async def refresh_counters(session: AsyncSession) -> None:
    await session.execute(text("REFRESH MATERIALIZED VIEW counters"))
    await session.commit()


# --- a lifespan's warm-up task, abandoned at shutdown


async def warm_caches() -> None:
    with SessionLocal() as db:
        await to_thread.run_sync(vacuum_stats, db, abandon_on_cancel=True)  # expect: SL202 "keeps running"


async def warm_caches_old_anyio() -> None:
    db = SessionLocal()
    try:
        await anyio.to_thread.run_sync(vacuum_stats, db, cancellable=True)  # expect: SL202 "cancelled"
    finally:
        db.close()


@asynccontextmanager
async def lifespan(app: FastAPI):
    task = asyncio.create_task(warm_caches())
    yield
    task.cancel()


app = FastAPI(lifespan=lifespan)


# --- endpoints with a deadline


@app.post("/search/rebuild")
async def rebuild(db: DB):
    count = await asyncio.wait_for(asyncio.to_thread(rebuild_search_index, db), timeout=30)  # expect: SL202 "times out"
    return {"count": count}


@app.post("/search/rebuild-local")
async def rebuild_local():
    with SessionLocal() as db:
        try:
            loop = asyncio.get_running_loop()
            return await asyncio.wait_for(loop.run_in_executor(None, rebuild_search_index, db), 10)  # expect: SL202
        except asyncio.TimeoutError:
            return {"status": "still running"}


@app.post("/stats")
async def stats():
    with SessionLocal() as db:
        async with asyncio.timeout(5):
            await asyncio.to_thread(vacuum_stats, db)  # expect: SL202 "times out"
    return {"ok": True}


@app.post("/stats-anyio")
async def stats_anyio():
    with SessionLocal() as db:
        with anyio.fail_after(5):
            await asyncio.to_thread(vacuum_stats, db)  # expect: SL202
    return {"ok": True}


@app.post("/counters")
async def counters():
    async with AsyncSessionLocal() as session:
        await asyncio.shield(refresh_counters(session))  # expect: SL202 "shield"
    return {"ok": True}


# --- a worker holding a future


async def nightly(loop: asyncio.AbstractEventLoop) -> None:
    db = SessionLocal()
    try:
        fut = loop.run_in_executor(None, vacuum_stats, db)  # expect: SL202
        await asyncio.wait_for(fut, 600)
    finally:
        db.close()


# --- quiet: the await lasts as long as the work


async def warm_caches_waited() -> None:
    with SessionLocal() as db:
        await to_thread.run_sync(vacuum_stats, db)


async def warm_caches_not_abandoned() -> None:
    with SessionLocal() as db:
        await to_thread.run_sync(vacuum_stats, db, abandon_on_cancel=False)


async def warm_caches_own_session() -> None:
    await to_thread.run_sync(rebuild_alone, abandon_on_cancel=True)


@app.post("/search/rebuild-plain")
async def rebuild_plain(db: DB):
    count = await asyncio.to_thread(rebuild_search_index, db)
    return {"count": count}


@app.post("/search/rebuild-anyio-deadline")
async def rebuild_anyio_deadline(db: DB):
    with anyio.fail_after(30):
        count = await to_thread.run_sync(rebuild_search_index, db)
    return {"count": count}


@app.post("/search/rebuild-no-timeout")
async def rebuild_no_timeout(db: DB):
    count = await asyncio.wait_for(asyncio.to_thread(rebuild_search_index, db), timeout=None)
    return {"count": count}


@app.post("/search/rebuild-alone")
async def rebuild_alone_deadline():
    count = await asyncio.wait_for(asyncio.to_thread(rebuild_alone), timeout=30)
    return {"count": count}


@app.post("/counters-deadline")
async def counters_deadline():
    async with AsyncSessionLocal() as session:
        await asyncio.wait_for(refresh_counters(session), timeout=5)
    return {"ok": True}


@app.post("/counters-close")
async def counters_close():
    session = AsyncSessionLocal()
    try:
        await refresh_counters(session)
    finally:
        await asyncio.shield(session.close())
    return {"ok": True}


async def copy_rows() -> None:
    # a cursor closed under the abandoned statement breaks only that work,
    # whose outcome nobody reads; the connection stays with its owner
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            await to_thread.run_sync(cur.execute, "SELECT copy_rows()", abandon_on_cancel=True)
    finally:
        raw.close()


async def nightly_waited(loop: asyncio.AbstractEventLoop) -> None:
    db = SessionLocal()
    try:
        fut = loop.run_in_executor(None, vacuum_stats, db)
        await fut
    finally:
        db.close()


# --- through a helper that awaits with a deadline: reported on the helper's
# hand-off when its caller lends it a dependency's session, else on the call


async def rebuild_with_deadline(db: Session) -> int:
    return await asyncio.wait_for(asyncio.to_thread(rebuild_search_index, db), timeout=60)  # expect: SL202 "times out"


async def stats_with_deadline(db: Session) -> None:
    await asyncio.wait_for(asyncio.to_thread(vacuum_stats, db), timeout=60)  # expect: SL202 "times out"


async def vacuum_with_deadline(db: Session) -> None:
    await asyncio.wait_for(asyncio.to_thread(vacuum_stats, db), timeout=60)  # expect: SL202 "times out"


async def rebuild_waiting(db: Session) -> int:
    return await asyncio.to_thread(rebuild_search_index, db)


async def nightly_rebuild() -> None:
    with SessionLocal() as db:
        await rebuild_with_deadline(db)


@app.post("/stats-helper")
async def stats_helper(db: DB):
    await stats_with_deadline(db)
    return {"ok": True}


async def stats_twice() -> None:
    with SessionLocal() as db:
        await vacuum_with_deadline(db)
    with SessionLocal() as other:
        await vacuum_with_deadline(other)


async def nightly_rebuild_waiting() -> None:
    with SessionLocal() as db:
        await rebuild_waiting(db)


# --- the timeout handled, and the session used again while the thread runs


async def rebuild_then_rollback() -> None:
    with SessionLocal() as db:
        try:
            await asyncio.wait_for(asyncio.to_thread(rebuild_search_index, db), 30)  # expect: SL202
        except TimeoutError:
            db.rollback()  # expect: SL203
