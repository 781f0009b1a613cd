# SL102 through a context manager of the project: a @contextmanager or
# @asynccontextmanager function or method that yields a session and closes
# it after the yield lends it to the with block; at the block's end it is
# closed, so a use after the block opens a connection nothing returns.
# Reached by name, through an object's method (registry.session()), a
# module's function, or an object called (`self.Session()`, whose __call__
# returns the provider's call: its annotation says a context manager, its
# return says which one), or a function that decorates a generator when it
# runs (`return asynccontextmanager(get_session)(tenant)`).  Traps: uses inside the block; a provider that does
# not close what it yields; nested code whose own parameter has the name
# of the lent session.
import asyncio
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncContextManager, AsyncIterator

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
Factory = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))


@asynccontextmanager
async def session_scope():
    s = AsyncFactory()
    try:
        yield s
    finally:
        await s.close()


@contextmanager
def sync_scope():
    s = Factory()
    try:
        yield s
        s.commit()
    finally:
        s.close()


class Registry:
    @asynccontextmanager
    async def session(self):
        s = AsyncFactory()
        try:
            yield s
        finally:
            await s.close()

    @asynccontextmanager
    async def shared(self):
        yield self.keeper  # not closed here: whoever keeps it closes it


registry = Registry()


async def used_after_the_block():
    async with session_scope() as s:
        await s.execute(text("SELECT 1"))
    await s.execute(text("SELECT 2"))  # expect: SL102


def used_after_the_sync_block():
    with sync_scope() as s:
        s.execute(text("SELECT 1"))
    return s.execute(text("SELECT 2")).all()  # expect: SL102


async def used_after_the_method_block():
    async with registry.session() as s:
        await s.execute(text("SELECT 1"))
    await s.execute(text("SELECT 2"))  # expect: SL102


async def used_inside_only():
    async with registry.session() as s:
        await s.execute(text("SELECT 1"))
        await s.commit()


async def provider_that_does_not_close():
    async with registry.shared() as s:
        await s.execute(text("SELECT 1"))
    await s.execute(text("SELECT 2"))


async def nested_parameter_of_the_same_name(ids):
    async with registry.session() as session:
        await session.execute(text("SELECT 1"))

    async def submit(i):
        async def work(session: AsyncSession):
            await session.get(dict, i)

        async with session_scope() as own:
            return await work(own)

    return await asyncio.gather(*(submit(i) for i in ids))


class SessionFactory:
    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self._maker = maker

    def __call__(self) -> AsyncContextManager[AsyncSession]:
        return self._session()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = self._maker()
        try:
            yield session
        finally:
            await session.close()


class Repository:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.Session = session_factory

    async def used_after(self):
        async with self.Session() as session:
            await session.execute(text("SELECT 1"))
        await session.execute(text("SELECT 2"))  # expect: SL102

    async def gathered(self):
        async with self.Session() as session:
            await asyncio.gather(  # expect: SL203
                session.execute(text("SELECT 1")), session.execute(text("SELECT 2"))
            )

    async def one_after_the_other(self):
        async with self.Session() as session:
            await session.execute(text("SELECT 1"))
            await session.execute(text("SELECT 2"))


async def get_async_session(tenant_id=None) -> AsyncIterator[AsyncSession]:
    async with AsyncFactory() as session:
        yield session


def session_for(tenant_id: str | None = None) -> AsyncContextManager[AsyncSession]:
    return asynccontextmanager(get_async_session)(tenant_id)


async def tenant_counts(tenant_id):
    async with session_for(tenant_id) as session:
        return await asyncio.gather(  # expect: SL203
            session.execute(text("SELECT count(*) FROM a")),
            session.execute(text("SELECT count(*) FROM b")),
        )


async def tenant_count(tenant_id):
    async with session_for(tenant_id) as session:
        return await session.execute(text("SELECT count(*) FROM a"))
