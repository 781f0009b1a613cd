"""SL206 nested-checkout: a second connection taken from a pool while the same
code still holds one of it.

The page's bad get_by_token (AsyncSession on asyncpg) queries the API key,
and with that session still holding its connection (in a transaction
nothing has ended) calls get_user, which opens a second session of the same
engine.  The pool has 2 connections (pool_size=2, max_overflow=0,
pool_timeout=2).  One call alone succeeds: it takes both.  K calls at once
(asyncio.gather; after its first query each call waits until every call
that got a connection holds it, so that all ask for their second together):
every connection is held by a call that waits for its second, and nothing
is given back.  1s in, the pool has 2 checked out, pg_stat_activity shows
both `idle in transaction` and no call has ended; at the pool's timeout the
calls fail with sqlalchemy.exc.TimeoutError, K=2 and K=4.  A call that fails
gives its first connection back as it ends, so a call whose own timeout has
not fired yet can take it and finish: in most runs all K fail, now and then
one finishes this way (after the timeout); the proof allows that.  The fixed
get_by_token loads the user with the same session: K=2 and K=4 concurrent
calls all succeed on the same pool, well within the timeout.
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
holding = {"calls": 0, "until": 1, "all": None}  # the proof's: see all_hold()


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
        await all_hold()  # the proof's: until every call that got a connection holds it
        return await get_user(key.user_id)  # expect: SL206


# The page's fixed example.
async def get_by_token_fixed(token: str):
    async with SessionLocal() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.token == token))
        await all_hold()  # the proof's, as above
        return await session.get(User, key.user_id)  # the same session


async def all_hold():
    """The proof's: waits until as many calls as the pool has connections (or
    all k, if fewer) have run their first query, so that every connection is
    held before any call asks for its second, and then lets them all go on at
    once (their pool timeouts start together)."""
    holding["calls"] += 1
    if holding["calls"] == holding["until"]:
        holding["all"].set()
    await holding["all"].wait()


async def concurrently(fn, k):
    """Runs k calls of fn (tokens t1..tk) at once.  Returns [(the user's name
    or the exception, seconds from the start until the call ended)] and, 1s
    in, (connections checked out, pg_stat_activity states, calls ended)."""
    ended = []

    async def call(token):
        try:
            user = await fn(token)
            out = user.name
        except Exception as e:  # the failure is the evidence
            out = e
        ended.append(token)
        return out, time.monotonic() - t0

    async def look():
        await asyncio.sleep(1)  # every call has asked for its connection
        return (engine.sync_engine.pool.checkedout(),
                [s for _, s, _ in proof.sessions_holding()], list(ended))

    pool = engine.sync_engine.pool
    holding.update(calls=0, until=min(k, pool.size() + pool._max_overflow),
                   all=asyncio.Event())
    t0 = time.monotonic()
    watcher = asyncio.ensure_future(look())
    got = await asyncio.gather(*(call("t%d" % i) for i in range(1, k + 1)))
    return got, await watcher


async def scenario(p):
    names = ["ann", "bob", "cy", "dee"]
    timeout = engine.sync_engine.pool._timeout
    for k in (2, 4):
        got, _ = await concurrently(get_by_token_fixed, k)
        p.check([r for r, _ in got] == names[:k], "fixed, %d at once: %r" % (k, got))
        p.check(max(s for _, s in got) < timeout, "fixed, %d at once: %r" % (k, got))
    p.fixed("the user loaded with the same session: 2 and 4 concurrent calls on a pool of 2 "
            "all succeed")

    got, _ = await concurrently(get_by_token, 1)
    p.check(got[0][0] == "ann", "bad, one call: %r" % got)
    p.note("bad, one call alone succeeds in %.2fs (it takes both connections)" % got[0][1])

    for k in (2, 4):
        got, (out, states, ended) = await concurrently(get_by_token, k)
        failed = [(r, s) for r, s in got if isinstance(r, PoolTimeout)]
        done = [(r, s) for r, s in got if not isinstance(r, Exception)]
        p.check(len(failed) + len(done) == k, "bad, %d at once: %r" % (k, got))
        p.check(out == 2 and states == ["idle in transaction"] * 2 and not ended,
                "bad, %d at once, 1s in: %d checked out, %r, %r ended" % (k, out, states, ended))
        p.check(all(s >= timeout for _, s in got),
                "bad, %d at once: a call ended before the pool timeout: %r" % (k, got))
        # a call that fails gives its first connection back as it ends: a
        # holder whose own timeout has not fired yet can take it and finish
        p.check(len(done) <= 1 and all(s > min(f for _, f in failed) for _, s in done),
                "bad, %d at once: %r" % (k, got))
        p.bad("%d at once: 1s in, 2 of 2 connections 'idle in transaction', no call "
              "ended; at %.1fs %d of %d fail on the pool%s" % (
                  k, min(s for _, s in got), len(failed), k,
                  " (one finished with the connection a failing call gave back)"
                  if done else ""),
              proof.exc_text(failed[0][0]).split(" (Background")[0])
    p.check(engine.sync_engine.pool.checkedout() == 0, "connections still checked out")


def body(p):
    sync = create_engine("postgresql+psycopg2://")
    Base.metadata.create_all(sync)
    sync.dispose()
    proof.query("INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'dee');"
                "INSERT INTO api_keys VALUES (1, 't1', 1), (2, 't2', 2), (3, 't3', 3), (4, 't4', 4)")

    async def main():
        try:
            await scenario(p)
        finally:
            await engine.dispose()  # asyncpg's connections belong to this loop
    # one event loop for every run, as in a server (SQLAlchemy 1.4.46 blocks the
    # thread when concurrent first connections follow a dispose())
    asyncio.run(main())
    p.lint()


proof.run("SL206", body)
