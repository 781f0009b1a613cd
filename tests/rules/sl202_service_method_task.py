# args: --fastapi-version 0.115
# SL202 through a method of an object that keeps the endpoint's borrowed
# session on self: the method starts a task (create_task, ensure_future,
# BackgroundTasks.add_task) whose coroutine is another method of the object
# or reads self.<attr>, and returns without waiting for it; awaiting the
# method does not wait for that task.  The report is at the call of the
# method, where the object holding the session is handed over.
# Quiet: a task that opens its own session, a task the method awaits before
# it returns, a TaskGroup the method leaves only when its tasks are done,
# a method that starts no task, a background task of a method of the object
# that reads none of its state (only calls its other methods).  (A bound method handed on, `add_task(self._m)`,
# is not followed for what it reads: a limit.)
import asyncio
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Maker = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


async def get_db():
    async with Maker() as db:
        yield db


DB = Annotated[AsyncSession, Depends(get_db)]


async def write_audit(db: AsyncSession, what: str) -> None:
    await db.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})
    await db.commit()


class Orders:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def _bump_counter(self) -> None:
        await self.db.execute(text("UPDATE counters SET n = n + 1"))
        await self.db.commit()

    async def _log_fresh(self, what: str) -> None:
        async with Maker() as own:
            await write_audit(own, what)

    async def place(self, item: str) -> None:
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})
        asyncio.ensure_future(self._bump_counter())

    async def place_audited(self, item: str) -> None:
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})
        asyncio.create_task(write_audit(self.db, item))

    async def place_fresh_log(self, item: str) -> None:
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})
        asyncio.create_task(self._log_fresh(item))

    async def place_waited(self, item: str) -> None:
        task = asyncio.create_task(self._bump_counter())
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})
        await task

    async def place_grouped(self, item: str) -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._bump_counter())
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})

    def place_later(self, tasks: BackgroundTasks, item: str) -> None:
        tasks.add_task(write_audit, self.db, item)

    def _hooks(self) -> list:
        return [print]

    def _notify(self, item: str) -> None:
        for hook in self._hooks():
            hook(item)

    async def place_notified(self, tasks: BackgroundTasks, item: str) -> None:
        await self.db.execute(text("INSERT INTO orders (item) VALUES (:i)"), {"i": item})
        tasks.add_task(self._notify, item)

    async def count(self) -> int:
        return (await self.db.execute(text("SELECT count(*) FROM orders"))).scalar_one()


@app.post("/orders")
async def place(item: str, db: DB):
    await Orders(db).place(item)  # expect: SL202
    return {"ok": True}


@app.post("/orders/audited")
async def place_audited(item: str, db: DB):
    orders = Orders(db)
    await orders.place_audited(item)  # expect: SL202
    return {"ok": True}


@app.post("/orders/later")
async def place_later(item: str, db: DB, tasks: BackgroundTasks):
    Orders(db).place_later(tasks, item)  # expect: SL202
    return {"ok": True}


@app.post("/orders/fresh-log")
async def place_fresh_log(item: str, db: DB):
    await Orders(db).place_fresh_log(item)
    return {"ok": True}


@app.post("/orders/waited")
async def place_waited(item: str, db: DB):
    await Orders(db).place_waited(item)
    return {"ok": True}


@app.post("/orders/grouped")
async def place_grouped(item: str, db: DB):
    orders = Orders(db)
    await orders.place_grouped(item)
    return {"n": await orders.count()}


@app.post("/orders/notified")
async def place_notified(item: str, db: DB, tasks: BackgroundTasks):
    await Orders(db).place_notified(tasks, item)
    return {"ok": True}
