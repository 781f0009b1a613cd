# Coroutines added to a local list one at a time (`append`, `insert`,
# `extend`, `+=`), under conditions or in a loop, run at once when the list
# is gathered or waited on: two that use one session share it.  An object
# made by a callable the code was handed (`self.retriever_factory(session)`,
# a lambda passed in at construction) may keep the session it is given, so
# two coroutines of its methods share it too (quire#29).  Coroutines that
# each open their own session, or use different ones, or a list awaited
# item by item, are fine.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
ASession = async_sessionmaker(engine)
app = FastAPI()


async def get_db():
    async with ASession() as s:
        yield s


async def load(db: AsyncSession, i: int):
    return (await db.execute(text("SELECT :i"), {"i": i})).scalar()


async def load_own(i: int):
    async with ASession() as db:
        return (await db.execute(text("SELECT :i"), {"i": i})).scalar()


class Retriever:
    def __init__(self, session: AsyncSession):
        self._session = session

    async def lookup_a(self, q: str):
        return (await self._session.execute(text("SELECT 1"))).all()

    async def lookup_b(self, q: str):
        return (await self._session.execute(text("SELECT 2"))).all()


class Orchestrator:
    def __init__(self, *, retriever_factory, sources: tuple[str, ...]):
        self.retriever_factory = retriever_factory
        self.sources = sources

    # Bad: the retriever made by the factory keeps the request's session, and
    # both lookups, appended under conditions, run at once.
    async def retrieve(self, session: AsyncSession, q: str):
        retriever = self.retriever_factory(session)
        tasks = []
        if "a" in self.sources:
            tasks.append(retriever.lookup_a(q))
        if "b" in self.sources:
            tasks.append(retriever.lookup_b(q))
        return await asyncio.gather(*tasks, return_exceptions=True)  # expect: SL203 "used by tasks that run at the same time"

    # Quiet: the factory is given a sessionmaker; the object opens its own.
    async def retrieve_own(self, q: str):
        retriever = self.retriever_factory(ASession)
        tasks = [retriever.lookup_a(q), retriever.lookup_b(q)]
        return await asyncio.gather(*tasks)


orchestrator = Orchestrator(retriever_factory=lambda s: Retriever(s), sources=("a", "b"))


class Fallback:
    """The fallback branch runs only when no factory was given, and every
    construction gives one: that branch is dead."""

    def __init__(self, retriever_factory, session_factory=None):
        self.retriever_factory = retriever_factory
        self._session_factory = session_factory

    async def retrieve(self, session: AsyncSession, q: str):
        tasks = []

        async def own(call):
            async with self._session_factory() as s:
                return await call(self.retriever_factory(s))

        if self._session_factory is not None:
            tasks.append(own(lambda r: r.lookup_a(q)))
            tasks.append(own(lambda r: r.lookup_b(q)))
        else:
            retriever = self.retriever_factory(session)
            tasks.append(retriever.lookup_a(q))
            tasks.append(retriever.lookup_b(q))
        return await asyncio.gather(*tasks)


fallback = Fallback(lambda s: Retriever(s), session_factory=ASession)


class MaybeFallback:
    """The same, but a construction leaves the factory out: the fallback runs."""

    def __init__(self, retriever_factory, session_factory=None):
        self.retriever_factory = retriever_factory
        self._session_factory = session_factory

    async def retrieve(self, session: AsyncSession, q: str):
        if self._session_factory is not None:
            return []
        retriever = self.retriever_factory(session)
        tasks = [retriever.lookup_a(q)]
        tasks.append(retriever.lookup_b(q))
        return await asyncio.gather(*tasks)  # expect: SL203


maybe = MaybeFallback(lambda s: Retriever(s))


# Bad: a factory handed in as a parameter.
async def with_factory(make, session: AsyncSession):
    r = make(session)
    return await asyncio.gather(r.lookup_a("x"), r.lookup_b("x"))  # expect: SL203


# Bad: one coroutine per item, appended in a loop.
@app.get("/loop")
async def loop(ids: list[int], db: AsyncSession = Depends(get_db)):
    pending = []
    for i in ids:
        pending.append(load(db, i))
    return await asyncio.gather(*pending)  # expect: SL203


# Bad: extend, insert and += add them too.
@app.get("/extend")
async def extend(db: AsyncSession = Depends(get_db)):
    pending = []
    pending.extend([load(db, 1)])
    pending.insert(0, load(db, 2))
    return await asyncio.gather(*pending)  # expect: SL203


@app.get("/plus")
async def plus(db: AsyncSession = Depends(get_db)):
    pending = [load(db, 1)]
    pending += [load(db, 2)]
    done, _ = await asyncio.wait(pending)  # expect: SL203
    return [d.result() for d in done]


@app.get("/comprehension")
async def comprehension(ids: list[int], db: AsyncSession = Depends(get_db)):
    pending = []
    pending.extend(load(db, i) for i in ids)
    return await asyncio.gather(*pending)  # expect: SL203


# Bad: the list's coroutines made tasks of a task group, one per item.
async def task_group(db: AsyncSession):
    pending = []
    pending.append(load(db, 1))
    pending.append(load(db, 2))
    async with asyncio.TaskGroup() as tg:
        for coro in pending:
            tg.create_task(coro)  # expect: SL203


# Quiet: a list of one coroutine, made a task.
async def task_group_one(db: AsyncSession):
    pending = []
    pending.append(load(db, 1))
    async with asyncio.TaskGroup() as tg:
        for coro in pending:
            tg.create_task(coro)


# Quiet: each coroutine opens its own session.
@app.get("/own")
async def own(ids: list[int]):
    pending = []
    for i in ids:
        pending.append(load_own(i))
    return await asyncio.gather(*pending)


# Quiet: coroutines of two different sessions.
async def two_sessions(s1: AsyncSession, s2: AsyncSession):
    pending = []
    pending.append(load(s1, 1))
    pending.append(load(s2, 2))
    return await asyncio.gather(*pending)


# Quiet: the list is built, then awaited one coroutine at a time.
@app.get("/serial")
async def serial(ids: list[int], db: AsyncSession = Depends(get_db)):
    pending = []
    for i in ids:
        pending.append(load(db, i))
    out = []
    for coro in pending:
        out.append(await coro)
    return out


# Quiet: the list holds plain values; one coroutine is gathered.
@app.get("/values")
async def values(ids: list[int], db: AsyncSession = Depends(get_db)):
    labels = []
    for i in ids:
        labels.append(str(i))
    labels.append(repr(db))
    return await asyncio.gather(load(db, 1), asyncio.sleep(0))


# Quiet: one coroutine appended under each of two exclusive branches.
@app.get("/either")
async def either(flag: bool, db: AsyncSession = Depends(get_db)):
    pending = []
    if flag:
        pending.append(load(db, 1))
    else:
        pending.append(load(db, 2))
    return await asyncio.gather(*pending)
