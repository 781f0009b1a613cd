# SL209 through a project helper that runs the coroutine it is given on a
# loop of its own: `def run_async(coro): return asyncio.run(coro)`, or a new
# loop's run_until_complete(coro) closed in a finally.  A call of such a
# helper runs its argument as asyncio.run() does: each call a new loop,
# while the pool of a module-level async engine keeps the connections the
# last loop opened.  Convention: the finding is on the helper's call.
import asyncio

from celery import shared_task
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ledger_engine = create_async_engine("postgresql+asyncpg://acct@db/ledger", pool_size=5)
report_engine = create_async_engine("postgresql+asyncpg://acct@db/ledger", poolclass=NullPool)

_worker_loop = asyncio.new_event_loop()


def run_sync(coro):
    return asyncio.run(coro)


def run_in_fresh_loop(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def run_on_worker_loop(coro):
    # one loop for the process: its connections stay on it
    return _worker_loop.run_until_complete(coro)


def log_and_return(value):
    # takes a coroutine's value, runs nothing
    print(value)
    return value


async def post_interest(account_id: int) -> None:
    async with ledger_engine.begin() as conn:
        await conn.execute(text("UPDATE accounts SET balance = balance * 1.01 WHERE id = :i"), {"i": account_id})


async def count_entries() -> int:
    async with report_engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM entries"))).scalar()


@shared_task
def nightly_interest(account_id: int) -> None:
    run_sync(post_interest(account_id))  # expect: SL209 "call of `run_sync()`"


@shared_task
def nightly_interest_fresh(account_id: int) -> None:
    run_in_fresh_loop(post_interest(account_id))  # expect: SL209 "run_until_complete() on a loop made for it"


@shared_task
def nightly_interest_shared_loop(account_id: int) -> None:
    # quiet: the worker's one loop
    run_on_worker_loop(post_interest(account_id))


@shared_task
def count_report() -> int:
    # quiet: a NullPool engine keeps no connection between runs
    return run_sync(count_entries())


@shared_task
def not_a_runner(account_id: int) -> None:
    # quiet: the helper does not run what it is given
    log_and_return(post_interest(account_id))
