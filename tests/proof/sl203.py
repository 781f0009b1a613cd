"""SL203 concurrent-use: one session used by tasks that run at the same time.

The page's bad endpoint gathers two queries on the request's AsyncSession
(asyncpg): one connection can run one statement at a time, and the second
query fails while the first is in flight.  The same with a bare asyncpg
connection: "another operation is in progress".  The fixed endpoint gives
each task its own session.

The ambient form: a context manager that keeps its session in a ContextVar
and hands it to whoever enters it while it is set.  Tasks started inside the
block copy the context and get the parent's session: a run of six steps
fails and stores fewer than six rows.  The fixed provider reuses the session
only in the task that made it: six rows.
"""
# needs: sqlalchemy asyncpg fastapi httpx
import asyncio
import contextvars
from contextlib import asynccontextmanager

import asyncpg
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import InterfaceError as SAInterfaceError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

import proof

async_engine = create_async_engine("postgresql+asyncpg://")
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession, expire_on_commit=False)
app = FastAPI()


async def get_db():
    async with AsyncSessionLocal() as db:
        yield db


async def count_users(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(text("users")).where(text("pg_sleep(0.01) IS NOT NULL")))


async def count_orders(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(text("orders")))


# The page's bad example: two helpers that write and commit, gathered on
# the request's session.
async def reserve_stock(db: AsyncSession, item_id: int) -> None:
    await db.execute(text("UPDATE items SET stock = stock - 1 WHERE id = :i"), {"i": item_id})
    await db.commit()


async def record_payment(db: AsyncSession, item_id: int) -> None:
    await db.execute(text("INSERT INTO payments (item_id) VALUES (:i)"), {"i": item_id})
    await db.commit()


@app.post("/buy/{item_id}")
async def buy(item_id: int, db: AsyncSession = Depends(get_db)):
    await asyncio.gather(reserve_stock(db, item_id), record_payment(db, item_id))  # expect: SL203
    return {"ok": True}


# The page's fixed example: one after the other.
@app.post("/buy/{item_id}/fixed")
async def buy_fixed(item_id: int, db: AsyncSession = Depends(get_db)):
    await reserve_stock(db, item_id)    # one after the other
    await record_payment(db, item_id)
    return {"ok": True}


# Reads gathered on one session (the page's example before this proof):
# SQLAlchemy 1.4's asyncpg adapter runs the statements one at a time under a
# lock, so this one returns the right counts; the rule still reports it, as
# SQLAlchemy 2 refuses it.  The page's second fixed example: a session per task.
@app.get("/dashboard")
async def dashboard(db: AsyncSession = Depends(get_db)):
    users, orders = await asyncio.gather(count_users(db), count_orders(db))  # expect: SL203
    return {"users": users, "orders": orders}


async def count_users_own():
    async with AsyncSessionLocal() as db:  # one session per task
        return await count_users(db)


async def count_orders_own():
    async with AsyncSessionLocal() as db:
        return await count_orders(db)


@app.get("/dashboard/fixed")
async def dashboard_fixed():
    users, orders = await asyncio.gather(count_users_own(), count_orders_own())
    return {"users": users, "orders": orders}


# The same on one asyncpg connection.
async def asyncpg_gather():
    conn = await asyncpg.connect()
    try:
        return await asyncio.gather(conn.fetchval("SELECT 2 FROM pg_sleep(0.05)"),  # expect: SL203
                                    conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


async def asyncpg_gather_fixed():
    async def one(sql):
        conn = await asyncpg.connect()
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()
    return await asyncio.gather(one("SELECT 2 FROM pg_sleep(0.05)"), one("SELECT 1"))


# The same through an object that keeps the connection it made on self.
class Broker:
    async def startup(self):
        self.conn = await asyncpg.connect()

    async def slow(self):
        return await self.conn.fetchval("SELECT 2 FROM pg_sleep(0.05)")

    async def fast(self):
        return await self.conn.fetchval("SELECT 1")

    async def both(self):
        return await asyncio.gather(self.slow(), self.fast())  # expect: SL203

    async def in_turn(self):
        return [await self.slow(), await self.fast()]


async def broker_run(fixed):
    b = Broker()
    await b.startup()
    try:
        return await (b.in_turn() if fixed else b.both())
    finally:
        await b.conn.close()


_current = contextvars.ContextVar("db", default=None)
_owned = contextvars.ContextVar("db_owned", default=None)


@asynccontextmanager
async def Session():
    """The ambient provider's bad form: any task in the context reuses it."""
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    session = AsyncSessionLocal()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
        await session.close()


@asynccontextmanager
async def OwnedSession():
    """... and its fixed form: reused only in the task that made it."""
    entry = _owned.get()
    task = asyncio.current_task()
    if entry is not None and entry[1] is task:
        yield entry[0]
        return
    session = AsyncSessionLocal()
    token = _owned.set((session, task))
    try:
        yield session
    finally:
        _owned.reset(token)
        await session.close()


async def log_step(run_id: int, name: str) -> None:
    async with Session() as session:
        await session.execute(text("INSERT INTO steps (run_id, name) VALUES (:r, :n)"),
                              {"r": run_id, "n": name})
        await session.commit()


async def log_step_owned(run_id: int, name: str) -> None:
    async with OwnedSession() as session:
        await session.execute(text("INSERT INTO steps (run_id, name) VALUES (:r, :n)"),
                              {"r": run_id, "n": name})
        await session.commit()


async def start_run(run_id: int, steps) -> list:
    async with Session() as session:
        await session.execute(text("UPDATE runs SET status = 'running' WHERE id = :r"), {"r": run_id})
        tasks = [asyncio.create_task(log_step(run_id, s)) for s in steps]  # expect: SL203
        await session.commit()
    return await asyncio.gather(*tasks, return_exceptions=True)


async def start_run_fixed(run_id: int, steps) -> list:
    async with OwnedSession() as session:
        await session.execute(text("UPDATE runs SET status = 'running' WHERE id = :r"), {"r": run_id})
        tasks = [asyncio.create_task(log_step_owned(run_id, s)) for s in steps]
        await session.commit()
    return await asyncio.gather(*tasks, return_exceptions=True)


def ambient(p):
    proof.query("CREATE TABLE runs (id int PRIMARY KEY, status text); "
                "CREATE TABLE steps (run_id int, name text); INSERT INTO runs VALUES (1, 'new'), (2, 'new')")

    async def both():
        try:
            fixed = await start_run_fixed(1, ["a%d" % i for i in range(6)])
        finally:
            await async_engine.dispose()
        try:
            bad = await start_run(2, ["b%d" % i for i in range(6)])
        except Exception as e:  # the parent's own commit may fail too
            bad = [e]
        finally:
            await async_engine.dispose()
        return fixed, bad

    fixed, bad = asyncio.run(both())
    rows = dict(proof.query("SELECT run_id, count(*) FROM steps GROUP BY run_id"))
    p.check(not [r for r in fixed if isinstance(r, BaseException)] and rows.get(1) == 6,
            "fixed ambient: %r, rows %r" % (fixed, rows))
    p.fixed("ambient session reused only by its own task: 6 of 6 steps stored")
    errors = sorted({type(r).__name__ for r in bad if isinstance(r, BaseException)})
    p.check(errors or rows.get(2, 0) < 6, "bad ambient: every step stored: %r" % bad)
    p.bad("ambient session inherited by 6 tasks: %d of 6 steps stored, %s" % (
        rows.get(2, 0), ", ".join(errors) or "no error raised"))


def body(p):
    ambient(p)
    proof.query("CREATE TABLE users (id int); CREATE TABLE orders (id int); "
                "CREATE TABLE items (id int PRIMARY KEY, stock int NOT NULL); "
                "CREATE TABLE payments (item_id int NOT NULL)")
    proof.query("INSERT INTO users VALUES (1), (2); INSERT INTO orders VALUES (1); "
                "INSERT INTO items VALUES (1, 10)")
    with TestClient(app) as client:
        r = client.post("/buy/1/fixed")
        p.check(r.status_code == 200, "fixed: %d %s" % (r.status_code, r.text))
        p.check(proof.query("SELECT stock, (SELECT count(*) FROM payments) FROM items") == [(9, 1)],
                "fixed: not written")
        r = client.get("/dashboard/fixed")
        p.check(r.status_code == 200 and r.json() == {"users": 2, "orders": 1},
                "fixed: %d %s" % (r.status_code, r.text))
        p.check(asyncio.run(asyncpg_gather_fixed()) == [2, 1], "fixed asyncpg: wrong result")
        p.fixed("one after the other on the session: 200, both writes committed")
        # SQLAlchemy 2 may refuse first (IllegalStateChangeError, an InvalidRequestError)
        e = p.raises((SAInterfaceError, InvalidRequestError), client.post, "/buy/1")
        p.check(not isinstance(e, SAInterfaceError) or "another operation is in progress"
                in str(e), "bad: %s" % e)
        p.bad("AsyncSession: %s" % (
            "InterfaceError: another operation is in progress"
            if isinstance(e, SAInterfaceError) else proof.exc_text(e)), proof.exc_text(e))
        try:
            r = client.get("/dashboard")
            reads = "%d %s" % (r.status_code, r.text)
        except InvalidRequestError as e:
            reads = proof.exc_text(e)
        p.note("reads gathered on one AsyncSession, SQLAlchemy %s: %s" % (
            proof.versions()["sqlalchemy"], reads))
    e = p.raises(asyncpg.InterfaceError, asyncio.run, asyncpg_gather())
    p.bad("asyncpg connection: %s" % proof.exc_text(e).replace("cannot perform operation: ", ""))
    p.check(asyncio.run(broker_run(True)) == [2, 1], "fixed broker: wrong result")
    p.fixed("the object's connection used one method after the other: [2, 1]")
    e = p.raises(asyncpg.InterfaceError, asyncio.run, broker_run(False))
    p.bad("two methods gathered on the object's own asyncpg connection: %s"
          % proof.exc_text(e).replace("cannot perform operation: ", ""))
    p.lint()


proof.run("SL203", body)
