# SL206 needs the first session to still hold its connection when the
# second is taken.  A helper that ends the transaction on every path lets
# it go: a retry loop over `range(RETRIES)` whose every attempt commits and
# returns, or rolls back and retries or raises, ends no other way (the body
# runs at least once); a helper whose commit is skipped only when a flag
# the caller leaves at its default is true (`no_commit=False`) commits; a
# method of an object a loader's return annotation names (`-> "Record"`,
# the body returning a query's row) that commits.
# Bad: the caller sets that flag; a loop over a parameter's range, which
# may run no attempt.
import asyncio

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

Maker = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"), expire_on_commit=False)
app = FastAPI()
RETRIES = 3


async def remove(obj, db_session):
    for attempt in range(RETRIES):
        try:
            await db_session.delete(obj)
            await db_session.commit()
            return
        except Exception:
            await db_session.rollback()
            if attempt < RETRIES - 1:
                await asyncio.sleep(0.1)
                continue
            raise


async def remove_tries(obj, db_session, tries: int):
    for attempt in range(tries):
        try:
            await db_session.delete(obj)
            await db_session.commit()
            return
        except Exception:
            await db_session.rollback()
    await db_session.flush()


async def create(obj, db_session, no_commit: bool = False):
    db_session.add(obj)
    await db_session.flush()
    if not no_commit:
        await db_session.commit()
    return obj


class Record:
    @classmethod
    async def read(cls, db_session, ident) -> "Record":
        return (await db_session.execute(text("SELECT * FROM records WHERE id = :i"), {"i": ident})).scalar_one()

    async def hard_delete(self, db_session):
        for attempt in range(RETRIES):
            try:
                await db_session.delete(self)
                await db_session.commit()
                return
            except Exception:
                await db_session.rollback()
                if attempt == RETRIES - 1:
                    raise


async def audit(what: str):
    async with Maker() as s:
        await s.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})
        await s.commit()


@app.delete("/items/{item_id}")
async def delete_item(item_id: int):
    async with Maker() as session:
        item = await session.get(object, item_id)
        await remove(item, session)
        await audit("deleted")


@app.post("/items")
async def create_item(item: dict):
    async with Maker() as session:
        await create(item, session)
        await audit("created")


@app.post("/drafts")
async def create_draft(item: dict):
    async with Maker() as session:
        await create(item, session, no_commit=True)
        await audit("drafted")  # expect: SL206


@app.delete("/items/{item_id}/tries")
async def delete_with_tries(item_id: int, tries: int):
    async with Maker() as session:
        item = await session.get(object, item_id)
        await remove_tries(item, session, tries)
        await audit("deleted")  # expect: SL206


@app.delete("/records/{ident}")
async def delete_record(ident: int):
    async with Maker() as session:
        record = await Record.read(session, ident)
        await record.hard_delete(session)
        await audit("deleted")
