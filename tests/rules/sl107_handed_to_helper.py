# SL107 and SL102 through a function of the project an ORM object is handed
# to: what the function reads of its parameter is read at the call.  A
# serializer reading a lazy relationship of an AsyncSession's object raises
# MissingGreenlet; reading one of an object whose session closed raises
# DetachedInstanceError.
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload, sessionmaker
from sqlalchemy import create_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine, expire_on_commit=False)
Expiring = async_sessionmaker(engine)
SyncFactory = sessionmaker(create_engine("postgresql+psycopg2://app@db/app"))


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Player(Base):
    __tablename__ = "player"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    team: Mapped[Team] = relationship()

    def label(self) -> str:
        return self.name


def to_dict(p: Player) -> dict:
    return {"name": p.name, "team": p.team.name}


def summary(p: Player) -> str:
    return f"{p.id}: {p.name} {p.label()}"


async def show(pid: int) -> dict:
    async with Factory() as db:
        player = await db.get(Player, pid)
        return to_dict(player)  # expect: SL107 "read for `team` (by `to_dict()`"


async def rename(pid: int, name: str) -> str:
    async with Expiring() as db:
        player = await db.get(Player, pid)
        player.name = name
        await db.commit()
        return summary(player)  # expect: SL107 "read (by `summary()`"


def show_sync(pid: int) -> dict:
    with SyncFactory() as db:
        player = db.get(Player, pid)
    return to_dict(player)  # expect: SL102 "read after its session closed (by `to_dict()`"


# quiet: the relationship is loaded with the query
async def show_loaded(pid: int) -> dict:
    async with Factory() as db:
        player = (await db.scalars(
            select(Player).where(Player.id == pid).options(selectinload(Player.team)))).one()
        return to_dict(player)


# quiet: only columns of a loaded object, no commit since
async def brief(pid: int) -> str:
    async with Factory() as db:
        player = await db.get(Player, pid)
        return summary(player)


# quiet: a sync session open around the read loads the relationship
def show_sync_open(pid: int) -> dict:
    with SyncFactory() as db:
        player = db.get(Player, pid)
        return to_dict(player)
