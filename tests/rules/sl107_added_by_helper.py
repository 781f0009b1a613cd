# SL107 and SL102 for an object that joins its session inside a function of
# the project: `persist(db, ticket)` whose body runs `db.add(ticket)` adds
# the caller's object to the caller's session (summary fact `adds`, also
# through a helper it hands both to), so a commit there or after expires
# it.  An async read of it then lazy-loads (MissingGreenlet); a read after
# the session closed raises DetachedInstanceError.  Quiet: the helper
# refreshes the object after its commit (or the caller does), the factory
# does not expire on commit, the helper only adds and nothing commits, or
# it adds another object.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

aengine = create_async_engine("postgresql+asyncpg://desk@db/desk")
Expiring = async_sessionmaker(aengine)
Keeping = async_sessionmaker(aengine, expire_on_commit=False)
SyncMaker = sessionmaker(create_engine("postgresql+psycopg://desk@db/desk"))
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]


async def expiring_session():
    async with Expiring() as s:
        yield s


async def keeping_session():
    async with Keeping() as s:
        yield s


async def persist(db: AsyncSession, item) -> None:
    db.add(item)
    await db.commit()


async def persist_via(db: AsyncSession, item) -> None:
    await persist(db, item)


async def stage(db: AsyncSession, item) -> None:
    db.add(item)


async def persist_fresh(db: AsyncSession, item):
    db.add(item)
    await db.commit()
    await db.refresh(item)
    return item


async def persist_fresh_via(db: AsyncSession, item):
    return await persist_fresh(db, item)


async def log_note(db: AsyncSession, ticket, text: str) -> None:
    db.add(Note(body=f"{ticket}: {text}"))
    await db.commit()


class TicketStore:
    def __init__(self, db: AsyncSession):
        self.db = db

    async def put(self, db: AsyncSession, item) -> None:
        db.add(item)
        await db.commit()


def persist_sync(db: Session, item) -> None:
    db.add(item)
    db.commit()


# --- the helper adds and commits: the caller's read lazy-loads ---


@app.post("/tickets")
async def open_ticket(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist(db, ticket)
    return {"id": ticket.id}  # expect: SL107 "read after the commit on line 97"


@app.post("/tickets/kw")
async def open_ticket_kw(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist(item=ticket, db=db)
    return {"id": ticket.id}  # expect: SL107


@app.post("/tickets/nested")
async def open_ticket_nested(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_via(db, ticket)
    return {"title": ticket.title}  # expect: SL107


@app.post("/tickets/staged")
async def open_ticket_staged(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await stage(db, ticket)
    await db.commit()
    return {"id": ticket.id}  # expect: SL107


@app.post("/tickets/method")
async def open_ticket_method(title: str, db: AsyncSession = Depends(expiring_session)):
    store = TicketStore(db)
    ticket = Ticket(title=title)
    await store.put(db, ticket)
    return {"id": ticket.id}  # expect: SL107


def open_ticket_sync(title: str) -> int:
    with SyncMaker() as db:
        ticket = Ticket(title=title)
        persist_sync(db, ticket)
    return ticket.id  # expect: SL102


# --- quiet ---


@app.post("/tickets/fresh")
async def open_ticket_fresh(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_fresh(db, ticket)
    return {"id": ticket.id}


@app.post("/tickets/fresh-nested")
async def open_ticket_fresh_nested(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_fresh_via(db, ticket)
    return {"id": ticket.id}


@app.post("/tickets/refreshed")
async def open_ticket_refreshed(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist(db, ticket)
    await db.refresh(ticket)
    return {"id": ticket.id}


@app.post("/tickets/keeping")
async def open_ticket_keeping(title: str, db: AsyncSession = Depends(keeping_session)):
    ticket = Ticket(title=title)
    await persist(db, ticket)
    return {"id": ticket.id}


@app.post("/tickets/staged-only")
async def open_ticket_staged_only(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await stage(db, ticket)
    return {"title": ticket.title}


@app.post("/tickets/noted")
async def note_ticket(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await log_note(db, ticket, "opened")
    return {"title": ticket.title}


def open_ticket_sync_inside(title: str) -> str:
    with SyncMaker() as db:
        ticket = Ticket(title=title)
        persist_sync(db, ticket)
        return ticket.title


# Helpers that take their objects through *args, a list parameter iterated,
# or a list at the call: each object named there joins the session.
async def persist_all(db: AsyncSession, *items) -> None:
    db.add_all(items)
    await db.commit()


async def persist_each(db: AsyncSession, items, *, flush_only=False) -> None:
    for item in items:
        db.add(item)
    if not flush_only:
        await db.commit()


async def persist_tagged(db: AsyncSession, tag: str, *items) -> None:
    for item in items:
        db.add(item)
    await db.commit()


@app.post("/tickets/batch")
async def open_two(first: str, second: str, db: AsyncSession = Depends(expiring_session)):
    a, b = Ticket(title=first), Ticket(title=second)
    await persist_all(db, a, b)
    return {"ids": [a.id, b.id]}  # expect: SL107


@app.post("/tickets/listed")
async def open_listed(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_each(db, [ticket])
    return {"id": ticket.id}  # expect: SL107


@app.post("/tickets/tagged")
async def open_tagged(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_tagged(db, "triage", ticket)
    return {"id": ticket.id}  # expect: SL107


# Quiet: the tag is a string in the positional slot before *items, not an
# object that joins the session; the ticket is refreshed.
@app.post("/tickets/tagged-refreshed")
async def open_tagged_refreshed(title: str, db: AsyncSession = Depends(expiring_session)):
    ticket = Ticket(title=title)
    await persist_tagged(db, title, ticket)
    await db.refresh(ticket)
    return {"id": ticket.id, "title": title}


# Quiet: the factory keeps objects loaded on commit.
@app.post("/tickets/batch-kept")
async def open_two_kept(first: str, db: AsyncSession = Depends(keeping_session)):
    a = Ticket(title=first)
    await persist_all(db, a)
    return {"id": a.id}
