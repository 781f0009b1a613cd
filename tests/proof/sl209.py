"""SL209 pool-across-event-loops: a coroutine run by asyncio.run() takes a
connection of an async pool that outlives the run's event loop.

The page's bad job_status() reads through an async engine cached for the
process (asyncpg, a pool of five); the sync entry point runs it with
asyncio.run(), one new event loop per call, three times.  The first call
succeeds and leaves its connection in the pool; the second gets that
connection on its own loop and fails (RuntimeError: a Future attached to a
different loop), the third too (asyncpg's InterfaceError: another operation
is in progress).  The fixed engine (poolclass=NullPool) keeps no connection
between checkouts: all three calls succeed.
"""
# needs: sqlalchemy asyncpg
import asyncio
import functools

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

import proof


@functools.lru_cache(maxsize=None)
def cached_engine():
    return create_async_engine("postgresql+asyncpg://", pool_size=5)


@functools.lru_cache(maxsize=None)
def cached_engine_fixed():
    return create_async_engine("postgresql+asyncpg://", poolclass=NullPool)


# The page's bad example.
async def job_status(job_id: int) -> str:
    async with AsyncSession(cached_engine()) as session:
        return (await session.execute(text("SELECT status FROM jobs WHERE id = :i"),
                                      {"i": job_id})).scalar()


def status_of(job_id: int) -> str:
    return asyncio.run(job_status(job_id))  # expect: SL209


# The page's fixed example.
async def job_status_fixed(job_id: int) -> str:
    async with AsyncSession(cached_engine_fixed()) as session:
        return (await session.execute(text("SELECT status FROM jobs WHERE id = :i"),
                                      {"i": job_id})).scalar()


def status_of_fixed(job_id: int) -> str:
    return asyncio.run(job_status_fixed(job_id))


def three_calls(fn):
    out = []
    for _ in range(3):
        try:
            out.append(fn(1))
        except Exception as e:  # what each call ended with
            out.append(proof.exc_text(e))
    return out


def body(p):
    proof.query("CREATE TABLE jobs (id int PRIMARY KEY, status text NOT NULL);"
                "INSERT INTO jobs VALUES (1, 'done')")

    fixed = three_calls(status_of_fixed)
    p.check(fixed == ["done", "done", "done"], "fixed: %r" % fixed)
    p.fixed("NullPool: three asyncio.run() calls, three answers")

    bad = three_calls(status_of)
    p.check(bad[0] == "done", "bad: the first call got %r" % bad[0])
    p.check(all(x != "done" for x in bad[1:]), "bad: %r" % bad)
    p.check("different loop" in bad[1] or "another operation" in " ".join(bad[1:]),
            "bad: %r" % bad)
    def short(t):
        for what in ("attached to a different loop", "another operation is in progress"):
            if what in t:
                return "%s (%s)" % (t.split(":")[0], what)
        return t[:80]
    p.bad("the first asyncio.run() answers; the next ones fail on the pooled connection the "
          "first left behind: %s; %s" % (short(bad[1]), short(bad[2])))
    p.lint()


proof.run("SL209", body)
