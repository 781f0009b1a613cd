# SL206 for a second session whose only work is add() and commit(): the
# commit flushes the pending INSERTs first, and the session takes a
# connection from its pool to send them.  While the request's own session
# still holds one of the same pool, each run needs two at once.  Quiet: the
# first session committed before, the second session only adds (nothing is
# sent), it rolls back or closes what it added, or its pool is another.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

app = FastAPI()
engine = create_engine("postgresql+psycopg://crm@db/crm", pool_size=5, max_overflow=0)
Maker = sessionmaker(bind=engine)
events_engine = create_engine("postgresql+psycopg://crm@events/crm")
EventsMaker = sessionmaker(bind=events_engine)
aengine = create_async_engine("postgresql+asyncpg://crm@db/crm")
AMaker = async_sessionmaker(aengine)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[int]


class Trail(Base):
    __tablename__ = "trail"
    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str]


def get_db():
    with Maker() as db:
        yield db


async def get_adb():
    async with AMaker() as db:
        yield db


def trail(what: str) -> None:
    with Maker() as s:
        s.add(Trail(what=what))
        s.commit()


def trail_many(items: list) -> None:
    s = Maker()
    try:
        s.add_all([Trail(what=w) for w in items])
        s.commit()
    finally:
        s.close()


def trail_elsewhere(what: str) -> None:
    with EventsMaker() as s:
        s.add(Trail(what=what))
        s.commit()


def trail_staged(what: str) -> None:
    with Maker() as s:
        s.add(Trail(what=what))


def trail_discarded(what: str) -> None:
    with Maker() as s:
        s.add(Trail(what=what))
        s.rollback()


async def atrail(what: str) -> None:
    async with AMaker() as s:
        s.add(Trail(what=what))
        await s.commit()


# --- the request's session holds a connection: the helper's commit takes a second ---


@app.delete("/contacts/{cid}")
def delete_contact(cid: int, db: Session = Depends(get_db)):
    contact = db.get(Contact, cid)
    trail(f"delete {cid}")  # expect: SL206
    db.delete(contact)
    db.commit()


@app.post("/contacts/import")
def import_contacts(owner: int, db: Session = Depends(get_db)):
    n = len(db.scalars(select(Contact).where(Contact.owner == owner)).all())
    trail_many([f"import {owner}", f"had {n}"])  # expect: SL206
    return {"had": n}


@app.post("/contacts/{cid}/touch")
def touch_contact(cid: int, db: Session = Depends(get_db)):
    db.get(Contact, cid)
    with Maker() as s:
        s.add(Trail(what=f"touch {cid}"))
        s.commit()  # expect: SL206
    return {"ok": True}


@app.get("/async/contacts/{cid}")
async def show_contact(cid: int, db: AsyncSession = Depends(get_adb)):
    contact = await db.get(Contact, cid)
    await atrail(f"show {cid}")  # expect: SL206
    return {"owner": contact.owner}


# --- quiet ---


@app.put("/contacts/{cid}")
def update_contact(cid: int, owner: int, db: Session = Depends(get_db)):
    contact = db.get(Contact, cid)
    contact.owner = owner
    db.commit()
    trail(f"update {cid}")
    return {"ok": True}


@app.get("/contacts/{cid}/staged")
def staged_contact(cid: int, db: Session = Depends(get_db)):
    contact = db.get(Contact, cid)
    trail_staged(f"staged {cid}")
    trail_discarded(f"discarded {cid}")
    return {"owner": contact.owner}


@app.get("/contacts/{cid}/elsewhere")
def elsewhere_contact(cid: int, db: Session = Depends(get_db)):
    contact = db.get(Contact, cid)
    trail_elsewhere(f"elsewhere {cid}")
    return {"owner": contact.owner}


@app.post("/contacts/trail")
def trail_first(what: str, db: Session = Depends(get_db)):
    trail(what)
    return {"count": len(db.scalars(select(Contact)).all())}
