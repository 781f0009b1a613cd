# args: --fastapi-version 0.110
# An object that a helper of the project makes around the session
# (`make_retriever(db)` returning `Retriever(db)`, a classmethod's
# `cls(session)`, a local the helper returns) keeps the session as the
# object would if the endpoint made it itself: its coroutines run at once
# share it, and work handed the object outlives get_db's session.  A helper
# whose object keeps only what it read through the session, or that keeps
# nothing it was given, hands nothing on.
import asyncio

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
ASession = async_sessionmaker(engine)
app = FastAPI()


async def get_db():
    async with ASession() as s:
        yield s


class Retriever:
    def __init__(self, session: AsyncSession, source: str = "wiki"):
        self.session = session
        self.source = source

    @classmethod
    def for_source(cls, session: AsyncSession, source: str) -> "Retriever":
        return cls(session, source)

    async def lookup(self, q: str):
        return (await self.session.execute(text(q))).all()

    async def refresh(self):
        await self.session.execute(text("SELECT 1"))


class Label:
    def __init__(self, name: str):
        self.name = name

    async def render(self) -> str:
        return self.name.upper()


def make_retriever(session: AsyncSession) -> Retriever:
    return Retriever(session)


def make_wrapped(session: AsyncSession) -> Retriever:
    retriever = make_retriever(session)
    return retriever


def make_label(session: AsyncSession, name: str) -> Label:
    return Label(name)


@app.get("/search")
async def search(q: str, db: AsyncSession = Depends(get_db)):
    r = make_retriever(db)
    return await asyncio.gather(r.lookup(q), r.lookup(q + " more"))  # expect: SL203


@app.get("/sources")
async def sources(q: str, db: AsyncSession = Depends(get_db)):
    r = Retriever.for_source(db, "openlibrary")
    return await asyncio.gather(r.lookup(q), r.refresh())  # expect: SL203


@app.get("/refresh")
async def refresh(tasks: BackgroundTasks, db: AsyncSession = Depends(get_db)):
    r = make_wrapped(db)
    tasks.add_task(r.refresh)  # expect: SL202
    return {"queued": True}


@app.get("/labels")
async def labels(db: AsyncSession = Depends(get_db)):
    # quiet: the label keeps a name, not the session it was made beside
    lb = make_label(db, "x")
    return await asyncio.gather(lb.render(), lb.render())


@app.get("/one-each")
async def one_each(q: str):
    # quiet: each retriever has a session of its own
    async def run(query: str):
        async with ASession() as own:
            return await make_retriever(own).lookup(query)

    return await asyncio.gather(run(q), run(q + " more"))
