# Work handed an object made with a session (`deps = Deps(session=db)`, a
# dataclass, a context object) uses that session: two such tasks run at the
# same time share it.  An object made from a value read through the session
# carries the value, not the session.
import asyncio
from dataclasses import dataclass

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
ASession = async_sessionmaker(engine)
app = FastAPI()


async def get_db():
    async with ASession() as s:
        yield s


@dataclass
class Deps:
    session: AsyncSession
    user: str


@dataclass
class Totals:
    orders: int


async def lookup(deps: Deps, q: str):
    return (await deps.session.execute(text(q))).all()


async def describe(totals: Totals, label: str) -> str:
    return f"{label}: {totals.orders}"


@app.get("/report")
async def report(db: AsyncSession = Depends(get_db)):
    deps = Deps(session=db, user="report")
    return await asyncio.gather(lookup(deps, "SELECT 1"), lookup(deps, "SELECT 2"))  # expect: SL203


async def nightly():
    async with ASession() as session:
        deps = Deps(session, "nightly")
        return await asyncio.gather(lookup(deps, "SELECT 1"), lookup(deps, "SELECT 2"))  # expect: SL203


async def totals_only():
    # quiet: the object holds a number read through the session
    async with ASession() as session:
        totals = Totals(orders=(await session.execute(text("SELECT count(*) FROM orders"))).scalar_one())
        return await asyncio.gather(describe(totals, "a"), describe(totals, "b"))


async def one_each():
    # quiet: each task gets an object with a session of its own
    async def run(q: str):
        async with ASession() as session:
            return await lookup(Deps(session, "worker"), q)

    return await asyncio.gather(run("SELECT 1"), run("SELECT 2"))
