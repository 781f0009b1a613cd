# ORM objects through a project layer that keeps the session on itself (a
# service, a repository: `self.db`).  What a method does to the session its
# instance keeps is done, at the call, to the caller's session that the
# receiver keeps there: a commit expires the caller's objects of it (and
# what the method returns, loaded before its commit), an add makes the
# caller's object one of it.  A repository's generic loader (`self.model`)
# hands back objects of the class the receiver's class names.  Quiet: a
# provider whose sessions do not expire on commit, a refresh after the
# commit, a method that only adds, columns of an object never expired.
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

engine = create_async_engine("postgresql+asyncpg://app@db/desk")
Expiring = async_sessionmaker(engine)
Kept = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()
M = TypeVar("M")


class Base(DeclarativeBase):
    pass


class Agent(Base):
    __tablename__ = "agent"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Ticket(Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    state: Mapped[str]
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"))
    agent: Mapped[Agent] = relationship()


async def desk_db():
    async with Expiring() as s:
        yield s


async def kept_db():
    async with Kept() as s:
        yield s


class TicketDesk:
    def __init__(self, db: AsyncSession):
        self.db = db

    async def resolve(self, ticket_id: int) -> Ticket:
        ticket = await self.db.get(Ticket, ticket_id)
        ticket.state = "resolved"
        await self.db.commit()
        return ticket

    async def resolve_fresh(self, ticket_id: int) -> Ticket:
        ticket = await self.db.get(Ticket, ticket_id)
        ticket.state = "resolved"
        await self.db.commit()
        await self.db.refresh(ticket)
        return ticket

    async def file(self, *tickets: Ticket) -> None:
        self.db.add_all(tickets)
        await self.db.commit()

    async def stage(self, ticket: Ticket) -> None:
        self.db.add(ticket)


class Shelf(Generic[M]):
    model: type

    def __init__(self, db: AsyncSession):
        self.db = db

    async def find(self, ident: int) -> M | None:
        return (await self.db.scalars(select(self.model).where(self.model.id == ident))).first()


class TicketShelf(Shelf[Ticket]):
    model = Ticket


def ticket_shelf(db: Annotated[AsyncSession, Depends(desk_db)]) -> TicketShelf:
    return TicketShelf(db)


# Bad: the service's commit expired the ticket it returns.
@app.post("/tickets/{ticket_id}/resolve")
async def resolve(ticket_id: int, db: AsyncSession = Depends(desk_db)):
    ticket = await TicketDesk(db).resolve(ticket_id)
    return {"title": ticket.title}  # expect: SL107 "after the commit on line 99"


# Quiet: the provider's sessions keep their objects loaded across a commit.
@app.post("/kept/{ticket_id}/resolve")
async def resolve_kept(ticket_id: int, db: AsyncSession = Depends(kept_db)):
    ticket = await TicketDesk(db).resolve(ticket_id)
    return {"title": ticket.title}


# Quiet: the service refreshed it after its commit.
@app.post("/fresh/{ticket_id}/resolve")
async def resolve_fresh(ticket_id: int, db: AsyncSession = Depends(desk_db)):
    ticket = await TicketDesk(db).resolve_fresh(ticket_id)
    return {"title": ticket.title}


# Bad: the repository adds the caller's ticket to the session it keeps and
# commits it.
@app.post("/tickets")
async def open_ticket(title: str, db: AsyncSession = Depends(desk_db)):
    desk = TicketDesk(db)
    ticket = Ticket(title=title, state="open", agent_id=1)
    await desk.file(ticket)
    return {"title": ticket.title}  # expect: SL107 "MissingGreenlet"


# Quiet: staged only; nothing commits it.
@app.post("/drafts")
async def draft_ticket(title: str, db: AsyncSession = Depends(desk_db)):
    desk = TicketDesk(db)
    ticket = Ticket(title=title, state="draft", agent_id=1)
    await desk.stage(ticket)
    return {"title": ticket.title}


# Bad: committed through the attribute the repository keeps it in.
@app.post("/notes")
async def open_direct(title: str, db: AsyncSession = Depends(desk_db)):
    desk = TicketDesk(db)
    ticket = Ticket(title=title, state="open", agent_id=1)
    db.add(ticket)
    await desk.db.commit()
    return {"title": ticket.title}  # expect: SL107 "MissingGreenlet"


# Bad: a generic repository's loader, the model its subclass names; the
# lazy many-to-one is read with no await.  Its column is not.
@app.get("/tickets/{ticket_id}")
async def show(ticket_id: int, shelf: Annotated[TicketShelf, Depends(ticket_shelf)]):
    ticket = await shelf.find(ticket_id)
    title = ticket.title
    return {"title": title, "agent": ticket.agent.name}  # expect: SL107 "read for `agent`"
