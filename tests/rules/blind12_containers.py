# Blind cases for issue 12, point 4: containers and protocols.
# - coroutines collected with tasks.append(...) and run by gather(*tasks):
#   SL203 on the gather when they share one session;
# - a session kept in a dict entry (a job's context dict, arq's ctx) and
#   released through the same entry: SL103 on the entry's assignment when
#   only the normal path releases it; a pool kept in ctx still acquires;
# - `gen = get_db(); db = next(gen)`: an acquisition that only gen.close()
#   or running the generator to its end releases (SL103 on the next() line);
# - a provider that yields inside its own @asynccontextmanager wrapper, and
#   that wrapper commits after its own yield: SL204 on the provider's
#   `async with` around the yield (no FastAPI version: the newest, where the
#   exit code runs after the response);
# - an async provider that yields None and returns on one branch and
#   delegates with `async for ... yield` on the other: SL104 on that yield.
import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session


ADB = Annotated[AsyncSession, Depends(get_session)]


# --- tasks.append(...) then gather(*tasks) ------------------------------------------


async def recompute_score(session: AsyncSession, customer_id: int) -> None:
    await session.execute(text("UPDATE customers SET score = compute_score(id) WHERE id = :id"), {"id": customer_id})


async def recompute_score_own(customer_id: int) -> None:
    async with AsyncSessionLocal() as session:
        await recompute_score(session, customer_id)
        await session.commit()


@app.post("/customers/rescore")
async def rescore(ids: list[int], session: ADB):
    tasks = []
    for customer_id in ids:
        tasks.append(recompute_score(session, customer_id))
    await asyncio.gather(*tasks)  # expect: SL203
    await session.commit()
    return {"rescored": len(ids)}


@app.post("/customers/rescore-own")
async def rescore_own(ids: list[int]):
    tasks = []
    for customer_id in ids:
        tasks.append(recompute_score_own(customer_id))
    await asyncio.gather(*tasks)
    return {"rescored": len(ids)}


@app.post("/customers/rescore-sequential")
async def rescore_sequential(ids: list[int], session: ADB):
    pending = []
    for customer_id in ids:
        pending.append(recompute_score(session, customer_id))
    for coro in pending:
        await coro
    await session.commit()
    return {"rescored": len(ids)}


# --- dict entries ---------------------------------------------------------------------


def run_import_job(job_id: int, rows: list[dict]) -> int:
    ctx = {"job_id": job_id, "imported": 0}
    ctx["db"] = SessionLocal()  # expect: SL103
    for row in rows:
        ctx["db"].execute(text("INSERT INTO staging_rows (job_id, data) VALUES (:j, :d)"), {"j": job_id, "d": str(row)})
        ctx["imported"] += 1
    ctx["db"].commit()
    ctx["db"].close()
    return ctx["imported"]


def run_import_job_safe(job_id: int, rows: list[dict]) -> int:
    ctx = {"job_id": job_id, "imported": 0}
    ctx["db"] = SessionLocal()
    try:
        for row in rows:
            ctx["db"].execute(text("INSERT INTO staging_rows (job_id, data) VALUES (:j, :d)"), {"j": job_id, "d": str(row)})
            ctx["imported"] += 1
        ctx["db"].commit()
    finally:
        ctx["db"].close()
    return ctx["imported"]


def open_job_context(job_id: int) -> dict:
    # quiet: the dict, session included, goes to the caller
    ctx = {"job_id": job_id}
    ctx["db"] = SessionLocal()
    return ctx


# arq worker: the pool lives in ctx for the worker's lifetime (created at
# startup, closed at shutdown); each job acquires a connection from it.


async def startup(ctx: dict) -> None:
    ctx["pool"] = await asyncpg.create_pool(os.environ["DATABASE_DSN"], max_size=5)


async def shutdown(ctx: dict) -> None:
    await ctx["pool"].close()


async def send_digest(ctx: dict, user_id: int) -> None:
    conn = await ctx["pool"].acquire()  # expect: SL103
    rows = await conn.fetch("SELECT title FROM notifications WHERE user_id = $1 AND NOT sent", user_id)
    await conn.execute("UPDATE notifications SET sent = true WHERE user_id = $1", user_id)
    await ctx["pool"].release(conn)
    print(f"digest for {user_id}: {len(rows)} items")


async def send_reminder(ctx: dict, user_id: int) -> None:
    async with ctx["pool"].acquire() as conn:
        await conn.execute("UPDATE users SET reminded_at = now() WHERE id = $1", user_id)


class WorkerSettings:
    functions = [send_digest, send_reminder]
    on_startup = startup
    on_shutdown = shutdown


# --- gen = get_db(); db = next(gen) ---------------------------------------------------


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def expire_sessions() -> int:
    gen = get_db()
    db = next(gen)  # expect: SL103
    deleted = db.execute(text("DELETE FROM web_sessions WHERE expires_at < now()")).rowcount
    db.commit()
    gen.close()
    return deleted


def expire_tokens() -> int:
    gen = get_db()
    db = next(gen)
    try:
        deleted = db.execute(text("DELETE FROM tokens WHERE expires_at < now()")).rowcount
        db.commit()
    finally:
        gen.close()
    return deleted


def expire_invites() -> int:
    # quiet: running the generator to its end runs its finally
    gen = get_db()
    db = next(gen)
    try:
        deleted = db.execute(text("DELETE FROM invites WHERE expires_at < now()")).rowcount
        db.commit()
    finally:
        next(gen, None)
    return deleted


# --- a provider inside its own committing @asynccontextmanager ------------------------


@asynccontextmanager
async def transactional_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise


@asynccontextmanager
async def readonly_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        try:
            yield session
        finally:
            await session.rollback()


async def get_tx_session() -> AsyncIterator[AsyncSession]:
    async with transactional_session() as session:  # expect: SL204
        yield session


async def get_ro_session() -> AsyncIterator[AsyncSession]:
    async with readonly_session() as session:
        yield session


@app.post("/orders")
async def create_order(payload: dict, session: AsyncSession = Depends(get_tx_session)):
    await session.execute(text("INSERT INTO orders (customer_id) VALUES (:c)"), {"c": payload["customer_id"]})
    return {"ok": True}


@app.get("/orders")
async def list_orders(session: AsyncSession = Depends(get_ro_session)):
    return (await session.execute(text("SELECT id FROM orders"))).scalars().all()


async def close_stale_orders() -> None:
    # quiet: the committing wrapper used where it belongs, around work that
    # ends before the caller goes on
    async with transactional_session() as session:
        await session.execute(text("UPDATE orders SET state = 'closed' WHERE updated_at < now() - interval '90 days'"))


# --- yield None; return on one branch, async for delegation on the other --------------


async def get_optional_session(request: Request) -> AsyncIterator[AsyncSession | None]:
    if request.headers.get("x-dry-run") == "1":
        yield None
        return
    async for session in get_session():
        yield session  # expect: SL104


async def get_optional_session_safe(request: Request) -> AsyncIterator[AsyncSession | None]:
    if request.headers.get("x-dry-run") == "1":
        yield None
        return
    async with AsyncSessionLocal() as session:
        yield session


async def get_optional_session_closing(request: Request) -> AsyncIterator[AsyncSession | None]:
    if request.headers.get("x-dry-run") == "1":
        yield None
        return
    async with aclosing(get_session()) as sessions:
        async for session in sessions:
            yield session


@app.post("/carts/{cart_id}/checkout")
async def checkout(cart_id: int, session: AsyncSession | None = Depends(get_optional_session)):
    if session is None:
        return {"dry_run": True}
    await session.execute(text("UPDATE carts SET state = 'checked_out' WHERE id = :id"), {"id": cart_id})
    await session.commit()
    return {"checked_out": cart_id}


@app.post("/carts/{cart_id}/abandon")
async def abandon(cart_id: int, session: AsyncSession | None = Depends(get_optional_session_safe)):
    if session is None:
        return {"dry_run": True}
    await session.execute(text("UPDATE carts SET state = 'abandoned' WHERE id = :id"), {"id": cart_id})
    await session.commit()
    return {"abandoned": cart_id}


@app.post("/carts/{cart_id}/merge")
async def merge(cart_id: int, session: AsyncSession | None = Depends(get_optional_session_closing)):
    if session is None:
        return {"dry_run": True}
    await session.execute(text("UPDATE carts SET merged = true WHERE id = :id"), {"id": cart_id})
    await session.commit()
    return {"merged": cart_id}
