"""SL206 nested-checkout: a second connection taken from a pool while the same
code still holds one of it.

The page's bad get_by_token (AsyncSession on asyncpg) queries the API key,
and with that session still holding its connection (in a transaction
nothing has ended) calls get_user, which opens a second session of the same
engine.  The pool has 2 connections (pool_size=2, max_overflow=0,
pool_timeout=2).  One call alone succeeds: it takes both.  K calls at once
(asyncio.gather; a short sleep after the first query, so that every call
holds its first connection before any asks for its second): every
connection is held by a call that waits for its second, pg_stat_activity
shows them `idle in transaction`, nothing is given back, and every call
fails at the pool's timeout (sqlalchemy.exc.TimeoutError), K=2 and K=4.
The fixed get_by_token loads the user with the same session: K=2 and K=4
concurrent calls all succeed on the same pool.
"""
# needs: sqlalchemy asyncpg psycopg2
import asyncio
import time

from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

import proof

engine = create_async_engine("postgresql+asyncpg://", pool_size=2, max_overflow=0, pool_timeout=2)
SessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
Base = declarative_base()
HOLD = 0.2  # seconds between the first query and the second session


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id = Column(Integer, primary_key=True)
    token = Column(String, nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)


# The page's bad example.
async def get_user(user_id: int):
    async with SessionLocal() as session:
        return await session.get(User, user_id)


async def get_by_token(token: str):
    async with SessionLocal() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.token == token))
        await asyncio.sleep(HOLD)  # the proof's: every call holds its first connection
        return await get_user(key.user_id)  # expect: SL206


# The page's fixed example.
async def get_by_token_fixed(token: str):
    async with SessionLocal() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.token == token))
        await asyncio.sleep(HOLD)  # the proof's, as above
        return await session.get(User, key.user_id)  # the same session


def concurrently(fn, k):
    """Runs k calls of fn (tokens t1..tk) at once; returns ([each call's
    user name or exception], (connections checked out, pg_stat_activity
    states) while they all wait, seconds taken)."""
    async def look():
        await asyncio.sleep(HOLD + 0.5)  # every call has asked for its second connection
        return engine.sync_engine.pool.checkedout(), [s for _, s, _ in proof.sessions_holding()]

    async def main():
        t = time.monotonic()
        watcher = asyncio.ensure_future(look())
        got = await asyncio.gather(*(fn("t%d" % i) for i in range(1, k + 1)),
                                   return_exceptions=True)
        took = time.monotonic() - t
        seen = await watcher
        await engine.dispose()  # asyncpg's connections belong to this loop
        return [u.name if isinstance(u, User) else u for u in got], seen, took

    return asyncio.run(main())


def body(p):
    sync = create_engine("postgresql+psycopg2://")
    Base.metadata.create_all(sync)
    sync.dispose()
    proof.query("INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'dee');"
                "INSERT INTO api_keys VALUES (1, 't1', 1), (2, 't2', 2), (3, 't3', 3), (4, 't4', 4)")
    names = ["ann", "bob", "cy", "dee"]

    for k in (2, 4):
        got, (out, states), took = concurrently(get_by_token_fixed, k)
        p.check(got == names[:k], "fixed, %d at once: %r" % (k, got))
        p.check(took < 2, "fixed, %d at once: took %.2fs" % (k, took))
    p.fixed("the user loaded with the same session: 2 and 4 concurrent calls on a pool of 2 "
            "all succeed")

    got, _, took = concurrently(get_by_token, 1)
    p.check(got == ["ann"], "bad, one call: %r" % got)
    p.note("bad, one call alone: %r in %.2fs (it takes both connections)" % (got[0], took))

    for k in (2, 4):
        got, (out, states), took = concurrently(get_by_token, k)
        p.check(all(isinstance(e, PoolTimeout) for e in got),
                "bad, %d at once: %r" % (k, got))
        p.check(out == 2 and states == ["idle in transaction"] * 2,
                "bad, %d at once: %d checked out while waiting, %r" % (k, out, states))
        p.check(took >= 2, "bad, %d at once: failed after %.2fs" % (k, took))
        p.bad("%d at once: all %d fail after %.1fs, both connections 'idle in transaction' "
              "meanwhile" % (k, k, took), proof.exc_text(got[0]).split(" (Background")[0])
    p.lint()


proof.run("SL206", body)
