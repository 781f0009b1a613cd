# A module-level container declared with its item type (fastapi-sqla's
# `_async_session_factories: dict[str, sessionmaker] = {}`, filled at
# startup under keys the code computes): any key gives what was stored
# under a computed key, else what the declaration says, so a session made
# from `_factories[key]()` is followed, imported or not.
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

_factories: dict[str, sessionmaker] = {}
_engines: list = []  # no item type: nothing known


def startup(key, engine):
    _factories[key] = sessionmaker(bind=engine, class_=AsyncSession)


async def leaks(key):
    session = _factories[key]()  # expect: SL103
    await session.execute(text("SELECT 1"))


async def gathered(key):
    session = _factories[key]()
    try:
        await asyncio.gather(  # expect: SL203
            session.execute(text("SELECT 1")), session.execute(text("SELECT 2"))
        )
    finally:
        await session.close()


async def closed(key):
    async with _factories[key]() as session:
        await session.execute(text("SELECT 1"))


def unknown_item(i):
    return _engines[i].connect()


_pools = {}


def configure(name, engine):
    _pools[name] = sessionmaker(bind=engine, class_=AsyncSession)


async def both_from_the_stored_factory(name):
    async with _pools[name]() as session:
        await asyncio.gather(  # expect: SL203
            session.execute(text("SELECT 1")), session.execute(text("SELECT 2"))
        )


async def lazily_imported(name):
    from sl10x_declared_containers import _pools as pools  # noqa: PLC0415

    session = pools[name]()  # expect: SL103
    await session.execute(text("SELECT 1"))
