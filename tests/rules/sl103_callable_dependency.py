# args: --fastapi-version 0.110
# A callable instance as a FastAPI dependency (`Depends(Provider(maker))`, or
# a module-level name bound to one): FastAPI calls the instance's __call__ for
# every request, so that method is the provider, with the instance's
# attributes from the constructor's arguments.  One that returns a session
# leaks one per request (SL103 on the acquisition); one that yields lends it,
# and the endpoint borrows it as from a generator function (SL202 on 0.110:
# the provider closes it before background tasks run).
import os
from typing import AsyncIterator, Iterator

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(bind=create_engine(os.environ["DATABASE_URL"]))
AsyncSessionLocal = async_sessionmaker(create_async_engine(os.environ["ASYNC_DATABASE_URL"]))
app = FastAPI()


class ReturningProvider:
    def __init__(self, factory):
        self.factory = factory

    def __call__(self) -> Session:
        return self.factory()  # expect: SL103


class AsyncReturningProvider:
    def __init__(self, factory):
        self._factory = factory

    async def __call__(self) -> AsyncSession:
        session = self._factory()  # expect: SL103
        return session


class YieldingProvider:
    def __init__(self, factory):
        self.factory = factory

    def __call__(self) -> Iterator[Session]:
        session = self.factory()
        try:
            yield session
        finally:
            session.close()


class AsyncYieldingProvider:
    def __init__(self, factory):
        self.factory = factory

    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self.factory() as session:
            yield session


class NotADependency:
    # an instance nothing hands to Depends: its __call__ is nobody's provider
    def __init__(self, factory):
        self.factory = factory

    def __call__(self) -> Session:
        return self.factory()


leaky_db = ReturningProvider(SessionLocal)
get_db = YieldingProvider(SessionLocal)
get_async_db = AsyncYieldingProvider(AsyncSessionLocal)
opener = NotADependency(SessionLocal)


def audit(db: Session, item_id: int) -> None:
    db.execute(text("INSERT INTO audit (item_id) VALUES (:i)"), {"i": item_id})
    db.commit()


@app.get("/leaky/{item_id}")
def leaky(item_id: int, db: Session = Depends(leaky_db)):
    return db.execute(text("SELECT sku FROM items WHERE id = :i"), {"i": item_id}).scalar()


@app.get("/async-leaky")
async def async_leaky(db: AsyncSession = Depends(AsyncReturningProvider(AsyncSessionLocal))):
    return (await db.execute(text("SELECT count(*) FROM items"))).scalar()


@app.get("/items/{item_id}")
def read_item(item_id: int, db: Session = Depends(get_db)):
    return db.execute(text("SELECT sku FROM items WHERE id = :i"), {"i": item_id}).scalar()


@app.post("/items/{item_id}/audit")
def audit_later(item_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    tasks.add_task(audit, db, item_id)  # expect: SL202 "`__call__` closes it"
    return {"queued": True}


@app.get("/async-items")
async def async_items(db: AsyncSession = Depends(get_async_db)):
    return (await db.execute(text("SELECT count(*) FROM items"))).scalar()
