# Coroutines of methods, kept in a list and gathered: `Repo(db).fetch(i)`
# runs on the session its object was made with, so a list of them gathered
# runs that session in several tasks at once.  The objects may be made in
# the list itself, in a list of their own, or appended in a loop.  Each
# object with its own session, or the calls awaited one by one, is fine.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
ASession = async_sessionmaker(engine)
app = FastAPI()


async def get_db():
    async with ASession() as s:
        yield s


class Source:
    def __init__(self, session: AsyncSession, name: str):
        self.session = session
        self.name = name

    async def lookup(self, book_id: int):
        res = await self.session.execute(text("SELECT payload FROM cache WHERE b = :b"), {"b": book_id})
        return res.scalar()


class Pinger:
    def __init__(self, factory, name: str):
        self.factory = factory
        self.name = name

    async def lookup(self, book_id: int):
        async with self.factory() as s:
            return (await s.execute(text("SELECT 1"))).scalar()


# Bad: the coroutines of objects made with one session, kept in a list.
@app.get("/books/{book_id}/sources")
async def sources(book_id: int, db: AsyncSession = Depends(get_db)):
    tasks = [Source(db, name).lookup(book_id) for name in ("wiki", "library")]
    return await asyncio.gather(*tasks, return_exceptions=True)  # expect: SL203


# Bad: the objects in a list of their own, their coroutines gathered.
@app.get("/books/{book_id}/mirrors")
async def mirrors(book_id: int, db: AsyncSession = Depends(get_db)):
    found = [Source(db, name) for name in ("eu", "us")]
    return await asyncio.gather(*[s.lookup(book_id) for s in found])  # expect: SL203


# Bad: appended one by one in a loop, then gathered.
@app.get("/books/{book_id}/all")
async def all_sources(book_id: int, db: AsyncSession = Depends(get_db)):
    pending = []
    for name in ("wiki", "library", "archive"):
        pending.append(Source(db, name).lookup(book_id))
    return await asyncio.gather(*pending)  # expect: SL203


# Quiet: each object opens its own session from the factory.
@app.get("/books/{book_id}/own")
async def own_sessions(book_id: int):
    tasks = [Pinger(ASession, name).lookup(book_id) for name in ("wiki", "library")]
    return await asyncio.gather(*tasks)


# Quiet: the same coroutines awaited one after another.
@app.get("/books/{book_id}/serial")
async def serial(book_id: int, db: AsyncSession = Depends(get_db)):
    out = []
    for name in ("wiki", "library"):
        out.append(await Source(db, name).lookup(book_id))
    return out


# Quiet: one coroutine of the object kept and awaited alone.
@app.get("/books/{book_id}/one")
async def one(book_id: int, db: AsyncSession = Depends(get_db)):
    pending = [Source(db, "wiki").lookup(book_id)]
    return await asyncio.gather(*pending)
