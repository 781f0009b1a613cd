# args: --fastapi-version 0.118
# SL204 for a dependency that yields inside a `with` of a project class
# whose __exit__ (__aexit__ for `async with`) commits: leaving the block
# commits, and FastAPI 0.118 runs the code after the yield after the
# response, as for a @contextmanager that commits after its yield.  The
# class is read through the value model (an inherited __exit__ too), the
# commit on self's session, directly or through a method called on self.
# Convention: the finding is on the `with` around the yield.
import os

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(bind=create_engine(os.environ["DATABASE_URL"]))
AsyncSessionLocal = async_sessionmaker(create_async_engine(os.environ["ASYNC_DATABASE_URL"]))
app = FastAPI()


class UnitOfWork:
    def __enter__(self):
        self.session = SessionLocal()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()


class OrdersUnitOfWork(UnitOfWork):
    pass


class AsyncUnitOfWork:
    async def __aenter__(self):
        self.session = AsyncSessionLocal()
        return self

    async def commit(self):
        await self.session.commit()

    async def __aexit__(self, exc_type, exc, tb):
        if exc_type is None:
            await self.commit()
        await self.session.close()


class ReadOnlyUnitOfWork:
    def __enter__(self):
        self.session = SessionLocal()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.session.close()  # only closes: nothing commits after the yield


def get_uow():
    with UnitOfWork() as uow:  # expect: SL204 "yields inside a transaction block"
        yield uow


def get_orders_uow():
    with OrdersUnitOfWork() as uow:  # expect: SL204
        yield uow.session


async def get_async_uow():
    async with AsyncUnitOfWork() as uow:  # expect: SL204
        yield uow


def get_reader():
    with ReadOnlyUnitOfWork() as uow:
        yield uow.session


def get_committed_before():
    # commits before the yield, in a block of its own: quiet
    with UnitOfWork() as uow:
        uow.session.execute(text("UPDATE counters SET n = n + 1"))
    yield uow.session


@app.post("/items")
def add_item(sku: str, uow=Depends(get_uow)):
    uow.session.execute(text("INSERT INTO items (sku) VALUES (:s)"), {"s": sku})
    return {"ok": True}


@app.post("/orders")
def add_order(session=Depends(get_orders_uow)):
    session.execute(text("INSERT INTO orders DEFAULT VALUES"))
    return {"ok": True}


@app.post("/async-items")
async def add_async(uow=Depends(get_async_uow)):
    await uow.session.execute(text("INSERT INTO items DEFAULT VALUES"))
    return {"ok": True}


@app.get("/items")
def list_items(session=Depends(get_reader), other=Depends(get_committed_before)):
    return session.execute(text("SELECT sku FROM items")).scalars().all()
