# A module-level container declared with its item type (fastapi-sqla's
# `_async_session_factories: dict[str, sessionmaker] = {}`, filled at
# startup under keys the code computes): any key gives what the
# declaration says, so a session made from `_factories[key]()` is followed.
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
