# args: --fastapi-version 0.115
# Quiet: the endpoint commits its own work before it closes the borrowed
# session, so the provider's commit after the yield finds nothing to write;
# and on an exception FastAPI throws into the provider, whose commit then
# does not run.  (0.115 keeps SL204 out of the way: the provider's exit
# code runs before the response there.)
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
Factory = async_sessionmaker(engine)
app = FastAPI()


async def get_db():
    async with Factory() as session:
        yield session
        await session.commit()


@app.post("/notes")
async def create_note(body: str, db: AsyncSession = Depends(get_db)):
    try:
        await db.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
        await db.commit()
        return {"ok": True}
    finally:
        await db.close()


@app.post("/notes/late")
async def create_note_late(body: str, db: AsyncSession = Depends(get_db)):
    await db.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": body})
    await db.commit()
    await db.execute(text("UPDATE stats SET notes = notes + 1"))
    await db.close()  # expect: SL105
    return {"ok": True}
