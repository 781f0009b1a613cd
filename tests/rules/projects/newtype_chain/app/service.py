# Parameters annotated with the aliases, imported from another module, are
# sessions: gathering two queries on one is concurrent use.
import asyncio

from sqlalchemy import text

from app.db import AsyncReadSession, AsyncSession


async def counts(session: AsyncSession):
    return await asyncio.gather(  # expect: SL203
        session.execute(text("SELECT count(*) FROM a")),
        session.execute(text("SELECT count(*) FROM b")),
    )


async def read_plain(session: AsyncReadSession):
    return await session.execute("SELECT 1")  # expect: SL301


async def one_after_the_other(session: AsyncSession):
    a = await session.execute(text("SELECT count(*) FROM a"))
    b = await session.execute(text("SELECT count(*) FROM b"))
    return a, b
