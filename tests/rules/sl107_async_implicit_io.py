# SL107 async-implicit-io: an ORM object of an AsyncSession read with a
# plain attribute access where the read has to load from the database: an
# attribute a commit expired (expire_on_commit is on by default), or a
# relationship loaded on first read (lazy="select", the default).  An
# AsyncSession can only do I/O inside an await, so the read raises
# sqlalchemy.exc.MissingGreenlet.  FastAPI building an async endpoint's
# response from such an object does the same.
# Convention: the finding is on the read (or the return).
from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine)
KeepFactory = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(AsyncAttrs, DeclarativeBase):
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


async def get_db():
    async with Factory() as session:
        yield session


async def save(session: AsyncSession, player: Player) -> None:
    session.add(player)
    await session.commit()


# Bad: the commit expired the new row; reading its id must reload it.
async def create_player(name: str, team_id: int) -> int:
    async with Factory() as session:
        player = Player(name=name, team_id=team_id)
        session.add(player)
        await session.commit()
        return player.id  # expect: SL107


# Bad: a relationship loaded on first read.
async def team_name(player_id: int) -> str:
    async with Factory() as session:
        player = await session.get(Player, player_id)
        return player.team.name  # expect: SL107


# Bad: the helper commits the session it is given.
async def rename(player_id: int, name: str) -> str:
    async with Factory() as session:
        player = await session.get(Player, player_id)
        player.name = name
        await save(session, player)
        return f"renamed {player.name}"  # expect: SL107


# Bad: FastAPI serializes the expired object outside the session's greenlet.
@app.post("/players")
async def add_player(name: str, team_id: int, db: AsyncSession = Depends(get_db)):
    player = Player(name=name, team_id=team_id)
    db.add(player)
    await db.commit()
    return player  # expect: SL107


# Quiet: refreshed with an await after the commit.
async def create_player_refreshed(name: str, team_id: int) -> int:
    async with Factory() as session:
        player = Player(name=name, team_id=team_id)
        session.add(player)
        await session.commit()
        await session.refresh(player)
        return player.id


# Quiet: expire_on_commit=False keeps what the object holds.
async def create_player_kept(name: str, team_id: int) -> int:
    async with KeepFactory() as session:
        player = Player(name=name, team_id=team_id)
        session.add(player)
        await session.commit()
        return player.id


# Quiet: the relationship is loaded with the query.
async def team_name_eager(player_id: int) -> str:
    async with Factory() as session:
        player = (
            await session.scalars(
                select(Player).where(Player.id == player_id).options(selectinload(Player.team))
            )
        ).one()
        return player.team.name


# Quiet: the relationship is awaited through AsyncAttrs.
async def team_name_awaited(player_id: int) -> str:
    async with Factory() as session:
        player = await session.get(Player, player_id)
        team = await player.awaitable_attrs.team
        return team.name


# Quiet: a value read before the commit.
async def create_player_named(name: str, team_id: int) -> str:
    async with Factory() as session:
        player = Player(name=name, team_id=team_id)
        label = player.name
        session.add(player)
        await session.commit()
        return label
