"""Blind cases: AsyncSession / async connections, cancellation at await."""
import asyncio

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

aengine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncMaker = async_sessionmaker(aengine, expire_on_commit=False)
LegacyAsyncMaker = sessionmaker(aengine, class_=AsyncSession)


class Ticket:
    pass


# Bad: `except Exception` does not catch CancelledError at the await.
async def close_ticket(ticket_id):
    db = AsyncMaker()  # expect: SL103
    try:
        await db.execute(text("update t set open = false where id = :i"), {"i": ticket_id})
        await db.commit()
    except Exception:
        await db.rollback()
        await db.close()
        raise
    await db.close()


# Good: BaseException covers cancellation too.
async def close_ticket_base(ticket_id):
    db = AsyncMaker()
    try:
        await db.execute(text("select 1"))
    except BaseException:
        await db.close()
        raise
    await db.close()


# Good: a tuple with CancelledError covers cancellation.
async def close_ticket_tuple(ticket_id):
    db = AsyncMaker()
    try:
        await db.execute(text("select 1"))
    except (Exception, asyncio.CancelledError):
        await db.close()
        raise
    await db.close()


# Good: async with closes on every path.
async def list_tickets():
    async with AsyncMaker() as db:
        res = await db.execute(select(Ticket))
        return res.scalars().all()


# Good: try/finally around the awaits.
async def count_tickets():
    db = LegacyAsyncMaker()
    try:
        res = await db.execute(text("select count(*) from t"))
        return res.scalar_one()
    finally:
        await db.close()


# Bad: sessionmaker(class_=AsyncSession), early return after use.
async def first_ticket(owner):
    db = LegacyAsyncMaker()  # expect: SL103
    try:
        row = await db.scalar(select(Ticket).limit(1))
    finally:
        pass
    if row is None:
        return None
    await db.close()
    return row


# Bad: AsyncSession(engine) constructed directly; close after an awaited call.
async def touch_ticket(ticket_id):
    db = AsyncSession(aengine)  # expect: SL103
    await db.execute(text("select 1"))
    await db.close()


# Bad: AsyncConnection via await engine.connect(), close not in finally.
async def raw_ping():
    conn = await aengine.connect()  # expect: SL103
    await conn.execute(text("select 1"))
    await conn.close()


# Good: async with engine.begin() closes the connection.
async def raw_ping_tx():
    async with aengine.begin() as conn:
        await conn.execute(text("select 1"))


# Good: async with engine.connect().
async def raw_ping_cm():
    async with aengine.connect() as conn:
        await conn.execute(text("select 1"))
        await conn.commit()


# Good: async with the session plus its begin().
async def nested_begin(ticket_id):
    async with AsyncMaker() as db:
        async with db.begin():
            await db.execute(text("select 1"))


# Good: async with AsyncMaker.begin().
async def maker_begin():
    async with AsyncMaker.begin() as db:
        await db.execute(text("select 1"))


# Bad: a sleep (an await) between use and close can be cancelled.
async def slow_report():
    db = AsyncMaker()  # expect: SL103
    try:
        await db.execute(text("select 1"))
    except Exception:
        await db.close()
        return None
    await asyncio.sleep(0.5)
    await db.close()
    return True


# Good: session used inside a loop, closed in finally.
async def batch_close(ids):
    db = AsyncMaker()
    try:
        for i in ids:
            await db.execute(text("select :i"), {"i": i})
            if i < 0:
                return False
        return True
    finally:
        await db.close()
