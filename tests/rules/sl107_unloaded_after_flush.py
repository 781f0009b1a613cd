# SL107 after a flush: the UPDATE a flush sends for a changed object lets
# the database set the columns declared with a SQL `onupdate` (func.now()),
# `server_onupdate` or `Computed`, and the ORM leaves them unloaded unless
# the mapper says eager_defaults=True.  In an AsyncSession the next plain
# read of one is a load with no await: MissingGreenlet.  A commit flushes
# too, and expire_on_commit=False does not fetch them back.  (The INSERT's
# server defaults come back with RETURNING under SQLAlchemy 2.0, the version
# this file is read as: see sl107_unloaded_after_insert_sa14.py for 1.4.)
# Convention: the finding is on the read, or on the call of the function
# that reads it.
from datetime import datetime

from sqlalchemy import Computed, DateTime, FetchedValue, Integer, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy import create_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine, expire_on_commit=False)
SyncFactory = sessionmaker(create_engine("postgresql://app@db/app"))


class Base(DeclarativeBase):
    pass


class Stamped:
    changed_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


class Ticket(Stamped, Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str]
    created: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    touched: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())
    revision: Mapped[int] = mapped_column(Integer, server_onupdate=FetchedValue())
    length: Mapped[int] = mapped_column(Integer, Computed("length(subject)"))
    edited: Mapped[datetime] = mapped_column(DateTime, onupdate=datetime.utcnow)


class EagerBase(DeclarativeBase):
    __mapper_args__ = {"eager_defaults": True}


class Note(EagerBase):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]
    touched: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


async def retitle(ticket_id: int, subject: str):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = subject
        await s.flush()
        return t.touched  # expect: SL107 "after the flush on line 57 left it unloaded"


async def bump_revision(ticket_id: int):
    async with Factory() as s:
        t = (await s.execute(select(Ticket).where(Ticket.id == ticket_id))).scalar_one()
        t.subject += "!"
        await s.commit()
        print(t.revision)  # expect: SL107 "the UPDATE had the database set it (`server_onupdate`"


async def computed_length(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        setattr(t, "subject", "new")
        await s.flush()
        return t.length  # expect: SL107 "`Computed` of `Ticket`"


async def mixin_column(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        return t.changed_at  # expect: SL107 "read for `changed_at`"


def describe(ticket):
    return {"id": ticket.id, "touched": ticket.touched.isoformat()}


async def update_or_create(s: AsyncSession, ticket_id: int, subject: str):
    t = await s.get(Ticket, ticket_id)
    if t:
        t.subject = subject
    else:
        t = Ticket(subject=subject)
        s.add(t)
    await s.flush()
    return describe(t)  # expect: SL107 "(by `describe()`"


async def update_fields(s: AsyncSession, ticket_id: int, fields: dict):
    t = await s.get(Ticket, ticket_id)
    for k, v in fields.items():
        setattr(t, k, v)
    await s.flush()
    return t.touched  # expect: SL107


# --- quiet ------------------------------------------------------------------


async def refreshed(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        await s.refresh(t)
        return t.touched


async def python_onupdate(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        return t.edited  # the ORM ran datetime.utcnow itself and kept the value


async def plain_column(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        return t.subject, t.created  # neither is set by the UPDATE


async def unchanged(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        await s.flush()  # nothing to UPDATE
        return t.touched


async def eager_mapper(note_id: int):
    async with Factory() as s:
        n = await s.get(Note, note_id)
        n.body = "x"
        await s.flush()
        return n.touched  # eager_defaults=True: fetched with the UPDATE


async def inserted(subject: str):
    async with Factory() as s:
        t = Ticket(subject=subject)
        s.add(t)
        await s.flush()
        return t.id, t.created  # 2.0 fetches the INSERT's defaults with RETURNING


async def queried_after(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        await s.execute(select(Ticket).where(Ticket.id == ticket_id))
        return t.touched  # the query's rows may have filled it: not followed on


async def awaited_attr(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.subject = "x"
        await s.flush()
        return await t.awaitable_attrs.touched


def sync_session(ticket_id: int):
    with SyncFactory() as s:
        t = s.get(Ticket, ticket_id)
        t.subject = "x"
        s.flush()
        return t.touched  # a Session loads it with a plain read


async def given_value(ticket_id: int):
    async with Factory() as s:
        t = await s.get(Ticket, ticket_id)
        t.touched = datetime.utcnow()
        await s.flush()
        return t.touched  # the UPDATE sends the value given, which the object keeps
