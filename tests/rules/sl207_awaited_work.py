# SL207 on waiting for other work: awaiting an asyncio Task (a name bound to
# create_task(), one read from a dict the project fills with tasks),
# asyncio.wait(), wait_for() of one, an Event's wait(), a Queue's get():
# each waits for something else to happen, for as long as it takes, with
# the connection idle in its transaction.  A short timeout bounds it.
import asyncio

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=2, max_overflow=0)
Maker = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()
active_runs: dict[str, asyncio.Task] = {}
ready = asyncio.Event()
jobs: asyncio.Queue = asyncio.Queue()


async def get_session():
    async with Maker() as session:
        yield session


async def execute_run(run_id: str) -> None:
    async with Maker() as session:
        await session.execute(text("UPDATE runs SET status = 'running' WHERE id = :i"), {"i": run_id})
        await session.commit()


@app.post("/runs/{run_id}")
async def create_run(run_id: str, session: AsyncSession = Depends(get_session)):
    await session.execute(text("INSERT INTO runs (id) VALUES (:i)"), {"i": run_id})
    await session.commit()
    active_runs[run_id] = asyncio.create_task(execute_run(run_id))
    return {"run_id": run_id}


# Bad: the session's read holds the connection while the run's task goes on (realbugs 08).
@app.get("/runs/{run_id}/join")
async def join_run(run_id: str, session: AsyncSession = Depends(get_session)):
    row = await session.scalar(text("SELECT status FROM runs WHERE id = :i"), {"i": run_id})
    if not row:
        raise HTTPException(404)
    task = active_runs.get(run_id)
    if task:
        try:
            await asyncio.wait_for(task, timeout=30.0)  # expect: SL207 "other work"
        except TimeoutError:
            pass
    return {"status": await session.scalar(text("SELECT status FROM runs WHERE id = :i"), {"i": run_id})}


# Quiet: no connection held across the wait (realbugs 08, fixed).
@app.get("/runs/{run_id}/join2")
async def join_run_fixed(run_id: str):
    async with Maker() as session:
        row = await session.scalar(text("SELECT status FROM runs WHERE id = :i"), {"i": run_id})
        if not row:
            raise HTTPException(404)
    task = active_runs.get(run_id)
    if task:
        await asyncio.wait_for(task, timeout=30.0)
    async with Maker() as session:
        return {"status": await session.scalar(text("SELECT status FROM runs WHERE id = :i"), {"i": run_id})}


# Quiet: a task it started itself runs its own coroutine, awaited here as if
# called (what that coroutine does is its own: SL203 for a shared session).
async def refresh(session: AsyncSession, run_id: str) -> None:
    await session.execute(text("SELECT 1"))
    t = asyncio.create_task(execute_run(run_id))
    await t
    await asyncio.wait([asyncio.create_task(execute_run(run_id))])
    await session.commit()


# Bad: waits for an event, and for the next item of a queue, holding the read's connection.
async def consume(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))
    await ready.wait()  # expect: SL207
    while True:
        item = await jobs.get()  # expect: SL207
        await session.execute(text("INSERT INTO done VALUES (:i)"), {"i": item})


# Bad: asyncio.wait over the runs, no timeout.
async def join_all(session: AsyncSession) -> None:
    await session.execute(update(text("runs")).values(seen=True))
    await asyncio.wait(list(active_runs.values()))  # expect: SL207
    await session.commit()


# Quiet: a short timeout bounds the wait; committed before the long one.
async def settle(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))
    await asyncio.wait_for(ready.wait(), timeout=0.5)
    await session.commit()
    await ready.wait()
    await jobs.get()


# Quiet: a coroutine of its own run under a timeout is not other work; nor a dict's get.
async def bounded(session: AsyncSession, cache: dict) -> None:
    await session.execute(text("SELECT 1"))
    await asyncio.wait_for(session.execute(text("SELECT 2")), timeout=30)
    await cache.get("x")
    jobs.put_nowait(1)
    ready.set()
    await session.commit()


# Quiet: an event and a queue the function made coordinate the tasks it
# started itself (a test that holds a row lock until its other task blocks).
async def contended(session: AsyncSession) -> None:
    release = asyncio.Event()
    results: asyncio.Queue = asyncio.Queue()

    async def holder() -> None:
        async with Maker() as s1:
            await s1.execute(text("SELECT 1 FROM runs FOR UPDATE"))
            await release.wait()

    t = asyncio.create_task(holder())
    await session.execute(text("SELECT 1"))
    await results.get()
    release.set()
    await t


class Worker:
    def __init__(self, queue: asyncio.Queue) -> None:
        self.queue = queue

    # Bad: a queue handed in from outside: waits for producers elsewhere.
    async def run(self, session: AsyncSession) -> None:
        await session.execute(text("SELECT 1"))
        item = await self.queue.get()  # expect: SL207
        await session.execute(text("INSERT INTO done VALUES (:i)"), {"i": item})
        await session.commit()
