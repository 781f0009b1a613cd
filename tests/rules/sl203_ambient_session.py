# SL203 concurrent-use through an ambient session: a context manager that
# keeps the session it makes in a ContextVar, and hands that same session to
# whoever enters it while the variable is set.  A task copies the context it
# is created in, so a task started inside the block gets the parent's
# session, and uses it while the parent does (or after the block closed it).
# Convention: the finding is on the call that starts the task (gather: the
# gather).
import asyncio
import contextvars
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
_maker = async_sessionmaker(engine)
_current: contextvars.ContextVar[AsyncSession | None] = contextvars.ContextVar("db", default=None)
_owned: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("db_owned", default=None)


@asynccontextmanager
async def Session():
    existing = _current.get()
    if existing is not None:
        yield existing
        return
    session = _maker()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
        await session.close()


@asynccontextmanager
async def OwnedSession():
    entry = _owned.get()
    task = asyncio.current_task()
    if entry is not None and entry[1] is task:
        yield entry[0]
        return
    session = _maker()
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


async def audit(run_id: int) -> None:
    await log_step(run_id, "audit")  # enters Session() one call down


async def log_step_owned(run_id: int, name: str) -> None:
    async with OwnedSession() as session:
        await session.execute(text("INSERT INTO steps (run_id, name) VALUES (:r, :n)"),
                              {"r": run_id, "n": name})
        await session.commit()


async def notify(run_id: int) -> None:
    await asyncio.sleep(0)  # touches no session


# Bad: one task per step, started inside the block.
async def start_run(run_id: int, steps: list[str]) -> None:
    async with Session() as session:
        await session.execute(text("UPDATE runs SET status = 'running' WHERE id = :r"), {"r": run_id})
        tasks = [asyncio.create_task(log_step(run_id, s)) for s in steps]  # expect: SL203 "`log_step` enters `Session()`"
        await session.commit()
    await asyncio.gather(*tasks)


# Bad: gathered coroutines, one of them a helper that enters it one call down.
async def finish_run(run_id: int) -> None:
    async with Session() as session:
        await asyncio.gather(log_step(run_id, "done"), audit(run_id))  # expect: SL203
        await session.commit()


# Bad: a task group's tasks, one per step.
async def rerun(run_id: int, steps: list[str]) -> None:
    async with Session():
        async with asyncio.TaskGroup() as tg:
            for s in steps:
                tg.create_task(log_step(run_id, s))  # expect: SL203 "`log_step` enters `Session()`"


# Quiet: one task in a group: the parent waits for it inside the block.
async def rerun_one(run_id: int) -> None:
    async with Session():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(audit(run_id))


# Quiet: the provider reuses the session only in the task that made it.
async def start_run_owned(run_id: int, steps: list[str]) -> None:
    async with OwnedSession() as session:
        tasks = [asyncio.create_task(log_step_owned(run_id, s)) for s in steps]
        await session.commit()
    await asyncio.gather(*tasks)


# Quiet: the task never enters the provider.
async def start_and_notify(run_id: int) -> None:
    async with Session() as session:
        task = asyncio.create_task(notify(run_id))
        await session.commit()
    await task


# Quiet: tasks started outside the block get a context without the session.
async def steps_after(run_id: int, steps: list[str]) -> None:
    async with Session() as session:
        await session.commit()
    await asyncio.gather(*[log_step(run_id, s) for s in steps])


# Quiet: a single coroutine gathered: its task gets the parent's session, but
# the parent waits for it, so they do not use it at once.
async def one_step(run_id: int) -> None:
    async with Session() as session:
        await asyncio.gather(log_step(run_id, "only"))
        await session.commit()
