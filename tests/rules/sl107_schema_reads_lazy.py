# SL107 through a Pydantic model, lazy relationships: a model validating
# an ORM object from its attributes reads each field it declares, so a
# field naming a relationship the query did not load is a lazy load with
# no await (MissingGreenlet), in model_validate as in FastAPI's
# response_model.  Quiet when the query loads it, or the model does not
# declare it.
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship

engine = create_async_engine("postgresql+asyncpg://league@db/league")
Factory = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Club(Base):
    __tablename__ = "club"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Coach(Base):
    __tablename__ = "coach"
    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("club.id"))
    club: Mapped[Club] = relationship()


class ClubOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


class CoachOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    club: ClubOut


class CoachId(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


async def get_db():
    async with Factory() as db:
        yield db


@app.get("/coaches/{cid}")
async def coach(cid: int, db: AsyncSession = Depends(get_db)):
    c = (await db.execute(select(Coach).where(Coach.id == cid))).scalar_one()
    return CoachOut.model_validate(c)  # expect: SL107 "read for `club` (by `CoachOut`"


@app.get("/coaches/{cid}/rm", response_model=CoachOut)
async def coach_rm(cid: int, db: AsyncSession = Depends(get_db)):
    c = await db.get(Coach, cid)
    return c  # expect: SL107 "a relationship loaded on first read"


# --- quiet -----------------------------------------------------------------

@app.get("/coaches/{cid}/loaded")
async def coach_loaded(cid: int, db: AsyncSession = Depends(get_db)):
    q = select(Coach).options(joinedload(Coach.club)).where(Coach.id == cid)
    c = (await db.execute(q)).scalar_one()
    return CoachOut.model_validate(c)


@app.get("/coaches/{cid}/id", response_model=CoachId)
async def coach_id(cid: int, db: AsyncSession = Depends(get_db)):
    c = await db.get(Coach, cid)
    return c
