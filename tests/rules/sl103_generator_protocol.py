# SL103: a provider driven by hand.  `gen = provider(); db = next(gen)`
# acquires what the generator yields; only gen.close(), running it on
# (`next(gen, None)`) or its async forms run the teardown after its yield.
import contextlib
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

Factory = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))


def session_scope() -> Iterator[Session]:
    db = Factory()
    try:
        yield db
    finally:
        db.close()


async def async_scope() -> AsyncIterator[AsyncSession]:
    async with AsyncFactory() as session:
        yield session


def purge(days: int) -> None:
    gen = session_scope()
    db = next(gen)  # expect: SL103
    db.execute(text("DELETE FROM log WHERE at < now() - make_interval(days => :d)"), {"d": days})
    gen.close()


def purge_never_closed() -> None:
    scope = session_scope()
    db = next(scope)  # expect: SL103
    db.execute(text("DELETE FROM log"))


async def purge_async() -> None:
    agen = async_scope()
    session = await anext(agen)  # expect: SL103
    await session.execute(text("DELETE FROM log"))
    await agen.aclose()


# quiet: closed in finally
def purge_safe() -> None:
    gen = session_scope()
    db = next(gen)
    try:
        db.execute(text("DELETE FROM log"))
    finally:
        gen.close()


# quiet: exhausted in finally, which runs the generator's own finally
def purge_exhausted() -> None:
    gen = session_scope()
    db = next(gen)
    try:
        db.execute(text("DELETE FROM log"))
    finally:
        next(gen, None)


async def purge_async_safe() -> None:
    agen = async_scope()
    session = await anext(agen)
    try:
        await session.execute(text("DELETE FROM log"))
    finally:
        await agen.aclose()


# A provider that queries before its yield: the session it yields already
# holds a connection, so a raise between next() and the try leaks it.
def tenant_scope(tenant: str) -> Iterator[Session]:
    db = Factory()
    try:
        db.execute(text("select set_config('app.tenant', :t, false)"), {"t": tenant})
        yield db
    finally:
        db.close()


def finish(task, notify) -> None:
    gen = tenant_scope(task.tenant)
    db = next(gen)  # expect: SL103
    notify(task.id)  # may raise before the try
    try:
        db.execute(text("update task set done = true where id = :i"), {"i": task.id})
        db.commit()
    finally:
        gen.close()


# quiet: the same before-try work with the provider that does not query
# (its session is idle: nothing is checked out yet)
def finish_idle(task, notify) -> None:
    gen = session_scope()
    db = next(gen)
    notify(task.id)
    try:
        db.execute(text("update task set done = true where id = :i"), {"i": task.id})
        db.commit()
    finally:
        gen.close()


# quiet: the querying provider, the raise inside the try
def finish_safe(task, notify) -> None:
    gen = tenant_scope(task.tenant)
    db = next(gen)
    try:
        notify(task.id)
        db.execute(text("update task set done = true where id = :i"), {"i": task.id})
        db.commit()
    finally:
        gen.close()


# A generator nothing keeps: a synchronous one is closed before next()
# returns, so the session is used after its close; an async one is closed by
# asyncio's finalizer task at the next await, under the statement running
# on it.
def purge_dropped() -> None:
    db = next(session_scope())
    db.execute(text("DELETE FROM log"))  # expect: SL102


async def purge_async_dropped() -> None:
    session = await anext(async_scope())  # expect: SL102
    await session.execute(text("DELETE FROM log"))


async def purge_async_dropped_method() -> None:
    session = await async_scope().__anext__()  # expect: SL102
    await session.execute(text("DELETE FROM log"))


# quiet: the generator kept and closed by aclosing()
async def purge_async_kept() -> None:
    async with contextlib.aclosing(async_scope()) as agen:
        session = await anext(agen)
        await session.execute(text("DELETE FROM log"))
