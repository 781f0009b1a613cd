# A session made in the loop body before it is handed to a task is a new
# one each iteration: each task (each coroutine gathered later) has its
# own, so they do not share it, and a task that releases what it is given
# owns it.  A session made once before the loop and handed to every task
# is shared by all of them.
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

Factory = async_sessionmaker()


async def settle(session, invoice_id):
    async with session:
        await session.execute(text("UPDATE invoices SET settled = true WHERE id = :i"), {"i": invoice_id})
        await session.commit()


async def settle_closing(session, invoice_id):
    try:
        await session.execute(text("UPDATE invoices SET settled = true WHERE id = :i"), {"i": invoice_id})
        await session.commit()
    finally:
        await session.close()


async def touch(session, invoice_id):
    await session.execute(text("UPDATE invoices SET seen = true WHERE id = :i"), {"i": invoice_id})


# quiet: one session per task, each task closes its own
async def settle_all(invoice_ids):
    pending = []
    for invoice_id in invoice_ids:
        s = Factory()
        pending.append(asyncio.create_task(settle(s, invoice_id)))
    await asyncio.gather(*pending)


# quiet: the same, with a task that closes it in its finally
async def settle_all_closing(invoice_ids):
    pending = []
    for invoice_id in invoice_ids:
        s = Factory()
        pending.append(asyncio.create_task(settle_closing(s, invoice_id)))
    await asyncio.gather(*pending)


# quiet: coroutines kept in a list, one session each
async def settle_all_gathered(invoice_ids):
    coros = []
    for invoice_id in invoice_ids:
        s = Factory()
        coros.append(settle(s, invoice_id))
    await asyncio.gather(*coros)


# quiet: tasks kept by id, one session each
async def settle_keyed(invoice_ids):
    running = {}
    for invoice_id in invoice_ids:
        own = Factory()
        running[invoice_id] = asyncio.ensure_future(settle_closing(own, invoice_id))
    await asyncio.wait(list(running.values()))


# one session made before the loop, handed to every task
async def touch_all(invoice_ids):
    async with Factory() as shared:
        pending = []
        for invoice_id in invoice_ids:
            pending.append(asyncio.create_task(touch(shared, invoice_id)))  # expect: SL203
        await asyncio.gather(*pending)


# a per-iteration session and the shared one: the shared one is still shared
async def touch_both(invoice_ids):
    async with Factory() as shared:
        coros = []
        for invoice_id in invoice_ids:
            s = Factory()
            coros.append(settle_two(s, shared, invoice_id))
        await asyncio.gather(*coros)  # expect: SL203 "`shared`"


async def settle_two(session, other, invoice_id):
    async with session:
        await session.execute(text("SELECT 1"))
    await other.execute(text("SELECT 2"))
