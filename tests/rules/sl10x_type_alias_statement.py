# requires-python: 3.12
# Python 3.12's `type X = ...` statement is an alias like `X = ...`: a
# parameter annotated with it is what the alias names (polar's
# `type AsyncSessionMaker = async_sessionmaker[AsyncSession]`).
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

type AsyncSessionMaker = async_sessionmaker[AsyncSession]
type Db = AsyncSession
type Rows = list[dict]  # not a resource


async def leaks(sessionmaker: AsyncSessionMaker):
    s = sessionmaker()  # expect: SL103
    await s.execute(text("SELECT 1"))


async def closes(sessionmaker: AsyncSessionMaker):
    async with sessionmaker() as s:
        await s.execute(text("SELECT 1"))


async def plain_string(db: Db):
    await db.execute("SELECT 1")  # expect: SL301


def rows(r: Rows):
    return len(r)
