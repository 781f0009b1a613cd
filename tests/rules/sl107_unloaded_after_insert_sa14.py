# args: --sqlalchemy-version 1.4
# SL107 after the INSERT of a flush, under SQLAlchemy 1.4: its mappers
# fetch nothing the database generated (eager_defaults is False there), so
# a column with a `server_default` or a SQL `default` (func.now()) of an
# object just added is unloaded after the flush, and a plain read of it in
# an AsyncSession is a load with no await: MissingGreenlet.  The primary key
# comes back with the INSERT; eager_defaults=True fetches the rest.
from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, func, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
Base = declarative_base()


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    ref = Column(String, nullable=False)
    status = Column(String, server_default=text("'new'"))
    placed = Column(DateTime, default=func.now())
    noted = Column(DateTime, default=datetime.utcnow)


class Invoice(Base):
    __tablename__ = "invoices"
    __mapper_args__ = {"eager_defaults": True}
    id = Column(Integer, primary_key=True)
    issued = Column(DateTime, server_default=func.now())


async def place(ref: str):
    async with Factory() as s:
        o = Order(ref=ref)
        s.add(o)
        await s.flush()
        return {"id": o.id, "status": o.status}  # expect: SL107 "the INSERT had the database generate it (`server_default` of `Order`)"


async def place_and_commit(ref: str):
    async with Factory() as s:
        o = Order(ref=ref)
        s.add(o)
        await s.commit()
        return o.placed  # expect: SL107 "after the commit on line 47"


# --- quiet ------------------------------------------------------------------


async def client_values(ref: str):
    async with Factory() as s:
        o = Order(ref=ref)
        s.add(o)
        await s.flush()
        return o.id, o.ref, o.noted  # the key, a value given, a Python default


async def eager(ref: str):
    async with Factory() as s:
        i = Invoice()
        s.add(i)
        await s.flush()
        return i.issued


async def refreshed(ref: str):
    async with Factory() as s:
        o = Order(ref=ref)
        s.add(o)
        await s.flush()
        await s.refresh(o)
        return o.status


async def given_status(ref: str):
    async with Factory() as s:
        o = Order(ref=ref, status="held")
        s.add(o)
        await s.flush()
        return o.status  # given: no server default at the INSERT
