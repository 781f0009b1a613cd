# SL206 and tasks: a coroutine handed to asyncio.create_task or
# ensure_future runs beside the code that started it.  The connection it
# takes is a second one the starter needs at once only when the starter
# waits for it while still holding its own: the start awaited, a
# TaskGroup's task (its exit waits), a name bound to the task awaited or
# gathered later.  A task nothing waits for is not.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shop.models import Order

aengine = create_async_engine("postgresql+asyncpg://shop@pg/shop", pool_size=5)
Maker = async_sessionmaker(aengine, expire_on_commit=False)
web = FastAPI()


async def get_session():
    async with Maker() as s:
        yield s


async def bump_counter(kind: str) -> None:
    async with Maker() as s:
        await s.execute(text("UPDATE counters SET n = n + 1 WHERE kind = :k"), {"k": kind})
        await s.commit()


# Quiet: fire and forget, nothing waits for it.
@web.get("/orders")
async def orders(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    asyncio.ensure_future(bump_counter("orders"))
    return rows


# Quiet: kept in a name that is never awaited.
@web.get("/orders/{oid}")
async def one_order(oid: int, s: AsyncSession = Depends(get_session)):
    row = await s.get(Order, oid)
    pending = asyncio.get_running_loop().create_task(bump_counter("order"))
    pending.add_done_callback(lambda _: None)
    return row


# Bad: the task is awaited at once.
@web.get("/totals")
async def totals(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    await asyncio.create_task(bump_counter("totals"))  # expect: SL206
    return rows


# Bad: started, then awaited while the session still holds its connection.
@web.get("/summary")
async def summary(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    job = asyncio.create_task(bump_counter("summary"))
    await job  # expect: SL206
    return rows


# Quiet: the session committed (its connection back) before the wait.
@web.post("/close")
async def close_day(s: AsyncSession = Depends(get_session)):
    await s.execute(text("UPDATE days SET closed = true"))
    job = asyncio.create_task(bump_counter("close"))
    await s.commit()
    await job


# Bad: gathered later.
@web.get("/both")
async def both(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    a = asyncio.create_task(bump_counter("a"))
    b = asyncio.ensure_future(bump_counter("b"))
    await asyncio.gather(a, b)  # expect: SL206
    return rows


# Bad: a TaskGroup's exit waits for its tasks.
@web.get("/group")
async def group(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(bump_counter("group"))  # expect: SL206
    return rows


# Bad: tasks kept in a list and gathered: where the list is awaited is not
# followed, so the start itself counts.
@web.get("/many")
async def many(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    tasks = []
    for name in ("x", "y"):
        tasks.append(asyncio.create_task(bump_counter(name)))  # expect: SL206
    await asyncio.gather(*tasks)
    return rows


# Quiet: the documented fire-and-forget, the handle kept in a set only so
# that it is not collected.
_running: set = set()


@web.get("/keep")
async def keep(s: AsyncSession = Depends(get_session)):
    rows = (await s.scalars(select(Order))).all()
    job = asyncio.create_task(bump_counter("keep"))
    _running.add(job)
    job.add_done_callback(_running.discard)
    return rows
