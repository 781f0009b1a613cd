# SL107 through a Pydantic model: validating an ORM object from its
# attributes (v2's model_validate with from_attributes, v1's from_orm with
# orm_mode, FastAPI's response_model for what an async endpoint returns)
# reads every field the model declares, so a column a flush left unloaded
# is read as `obj.field` would be: MissingGreenlet in an AsyncSession.  The
# unloaded state also comes back from a helper that is handed the session,
# flushes and returns the object (the caller commits with
# expire_on_commit=False, which expires nothing and fetches nothing).
# Convention: the finding is on the validating call, or on the return.
from datetime import datetime
from typing import ClassVar

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, Integer, create_engine, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

engine = create_async_engine("postgresql+asyncpg://shop@db/shop")
Factory = async_sessionmaker(engine, expire_on_commit=False)
SyncFactory = sessionmaker(create_engine("postgresql://shop@db/shop"), expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Parcel(Base):
    __tablename__ = "parcel"
    id: Mapped[int] = mapped_column(primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    label: Mapped[str]
    moved_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


class Crate(Base):
    __tablename__ = "crate"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]


class ParcelBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    moved_at: datetime


class ParcelOut(ParcelBase):
    weight: int
    kind: ClassVar[str] = "parcel"


class ParcelLabel(BaseModel):
    model_config = {"from_attributes": True}
    id: int
    label: str


class ParcelLegacy(BaseModel):
    id: int
    moved_at: datetime

    class Config:
        orm_mode = True


class ParcelPlain(BaseModel):
    id: int
    moved_at: datetime


class CrateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    label: str


async def get_db():
    async with Factory() as db:
        yield db


async def weigh(db: AsyncSession, parcel_id: int, grams: int) -> Parcel:
    parcel = await db.get(Parcel, parcel_id)
    parcel.weight = grams
    await db.flush()
    return parcel


async def weigh_loaded(db: AsyncSession, parcel_id: int, grams: int) -> Parcel:
    parcel = await db.get(Parcel, parcel_id)
    parcel.weight = grams
    await db.flush()
    await db.refresh(parcel)
    return parcel


async def relabel_crate(db: AsyncSession, crate_id: int, label: str) -> Crate:
    crate = await db.get(Crate, crate_id)
    crate.label = label
    await db.flush()
    return crate


class Desk:
    async def weigh(self, db: AsyncSession, parcel_id: int) -> Parcel:
        parcel = await db.get(Parcel, parcel_id)
        parcel.weight += 1
        await db.flush()
        return parcel


desk = Desk()


# the fields of the model and of its base are read: moved_at among them
@app.post("/parcels/{pid}/weigh")
async def weigh_parcel(pid: int, grams: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, grams)
    await db.commit()
    return ParcelOut.model_validate(parcel)  # expect: SL107 "after the flush in `weigh()`"


# arguments by keyword
@app.post("/parcels/{pid}/weigh-kw")
async def weigh_parcel_kw(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(grams=3, parcel_id=pid, db=db)
    return ParcelOut.model_validate(parcel)  # expect: SL107 "by `ParcelOut`"


# a method of the project's object
@app.post("/parcels/{pid}/bump")
async def bump_parcel(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await desk.weigh(db, pid)
    return ParcelBase.model_validate(parcel)  # expect: SL107 "after the flush in `weigh()`"


# pydantic v1: from_orm of an orm_mode model
@app.post("/parcels/{pid}/legacy")
async def weigh_legacy(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, 1)
    return ParcelLegacy.from_orm(parcel)  # expect: SL107 "`moved_at`"


# FastAPI validates what the endpoint returns against its response_model
@app.post("/parcels/{pid}/weigh-rm", response_model=ParcelOut)
async def weigh_response(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, 2)
    await db.commit()
    return parcel  # expect: SL107 "`moved_at`"


# ... or its return annotation; the flush in the endpoint itself
@app.post("/parcels/{pid}/move")
async def move_parcel(pid: int, db: AsyncSession = Depends(get_db)) -> ParcelOut:
    parcel = await db.get(Parcel, pid)
    parcel.weight = 0
    await db.flush()
    return parcel  # expect: SL107 "by `ParcelOut`"


# the keyword says from_attributes for a model whose config does not
async def show_plain(pid: int):
    async with Factory() as db:
        parcel = await db.get(Parcel, pid)
        parcel.label = "x"
        await db.flush()
        return ParcelPlain.model_validate(parcel, from_attributes=True)  # expect: SL107


# --- quiet -----------------------------------------------------------------

# the helper refreshes after its flush (the fix)
@app.post("/parcels/{pid}/weigh-ok")
async def weigh_parcel_ok(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh_loaded(db, pid, 5)
    await db.commit()
    return ParcelOut.model_validate(parcel)


# the caller refreshes after the helper
@app.post("/parcels/{pid}/weigh-refresh")
async def weigh_refresh(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, 5)
    await db.refresh(parcel)
    return ParcelOut.model_validate(parcel)


# the model does not declare the unloaded column
@app.post("/parcels/{pid}/label")
async def parcel_label(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, 5)
    return ParcelLabel.model_validate(parcel)


# no from_attributes: pydantic does not read the object's attributes
@app.post("/parcels/{pid}/plain")
async def parcel_plain(pid: int, db: AsyncSession = Depends(get_db)):
    parcel = await weigh(db, pid, 5)
    return ParcelPlain.model_validate(parcel)


# no column the database sets at the UPDATE
@app.post("/crates/{cid}")
async def crate_label(cid: int, label: str, db: AsyncSession = Depends(get_db)):
    crate = await relabel_crate(db, cid, label)
    await db.commit()
    return CrateOut.model_validate(crate)


# a sync session loads the column on the read: no greenlet needed
def weigh_sync(db: Session, parcel_id: int) -> Parcel:
    parcel = db.get(Parcel, parcel_id)
    parcel.weight = 1
    db.flush()
    return parcel


def show_sync(pid: int):
    with SyncFactory() as db:
        parcel = weigh_sync(db, pid)
        db.commit()
        return ParcelOut.model_validate(parcel)


# a response_model of a sync endpoint: read on a worker thread, loads
@app.post("/parcels/{pid}/sync", response_model=ParcelOut)
def weigh_sync_endpoint(pid: int):
    with SyncFactory() as db:
        parcel = weigh_sync(db, pid)
        db.commit()
    return parcel
