# SL107 through two facts of SQLAlchemy and FastAPI:
# - rollback() expires every object of the session, whatever
#   expire_on_commit says (an object only added, never flushed, is expunged
#   instead and stays readable);
# - an object a dependency loads through `Depends(get_db)` is an object of
#   the session the endpoint gets from its own `Depends(get_db)`: FastAPI
#   runs get_db once per request and hands both the same session.
# Read afterwards with a plain attribute access, an expired object of an
# AsyncSession raises MissingGreenlet.
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine)
KeepFactory = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    language: Mapped[str]
    credits: Mapped[int]


async def get_db():
    async with Factory() as session:
        yield session


async def get_keep_db():
    async with KeepFactory() as session:
        yield session


async def current_user(db: AsyncSession = Depends(get_db)) -> User:
    return (await db.execute(select(User).where(User.id == 1))).scalar_one()


async def keep_user(db: AsyncSession = Depends(get_keep_db)) -> User:
    return await db.get(User, 1)


async def own_user() -> User:
    async with Factory() as db:
        return await db.get(User, 1)


@app.post("/spend")
async def spend(user: User = Depends(current_user), db: AsyncSession = Depends(get_db)):
    user.credits -= 1
    await db.commit()
    return {"name": user.name}  # expect: SL107 "`user` of an AsyncSession is read after the commit on line 60"


@app.post("/promo")
async def promo(code: str, user: User = Depends(keep_user), db: AsyncSession = Depends(get_keep_db)):
    if code != "WELCOME":
        await db.rollback()
        return {"error": f"no such code ({user.language})"}  # expect: SL107 "after the rollback on line 67"
    user.credits += 10
    await db.commit()
    return {"credits": user.credits}


async def rename(uid: int, name: str) -> str:
    async with KeepFactory() as db:
        u = await db.get(User, uid)
        try:
            u.name = name
            await db.commit()
        except IntegrityError:
            await db.rollback()
            raise HTTPException(409, f"user {u.id} cannot take {name}")  # expect: SL107 "after the rollback on line 81"
        return u.name


# quiet: an object only added is expunged by the rollback, not expired
async def register(name: str) -> dict:
    async with Factory() as db:
        u = User(name=name, language="en", credits=0)
        db.add(u)
        try:
            await db.commit()
        except IntegrityError:
            await db.rollback()
            raise HTTPException(409, f"{u.name} is taken")
        return {"ok": True}


# quiet: the commit failed in the handler, so it expired nothing
async def retitle(uid: int, name: str) -> None:
    async with Factory() as db:
        u = await db.get(User, uid)
        u.name = name
        try:
            await db.commit()
        except IntegrityError:
            raise HTTPException(409, f"{u.language}: name taken")


# quiet: expire_on_commit=False keeps the dependency's object loaded
@app.post("/keep")
async def keep(user: User = Depends(keep_user), db: AsyncSession = Depends(get_keep_db)):
    user.credits -= 1
    await db.commit()
    return {"name": user.name}


# quiet: use_cache=False gives the endpoint a session of its own
@app.post("/apart")
async def apart(user: User = Depends(current_user), db: AsyncSession = Depends(get_db, use_cache=False)):
    await db.commit()
    return {"name": user.name}


# quiet: the dependency's object comes from a session of its own
@app.post("/own")
async def own(user: User = Depends(own_user), db: AsyncSession = Depends(get_db)):
    await db.commit()
    return {"id": user.id}


# quiet: read before the rollback
@app.post("/promo2")
async def promo2(code: str, user: User = Depends(keep_user), db: AsyncSession = Depends(get_keep_db)):
    language = user.language
    if code != "WELCOME":
        await db.rollback()
        return {"error": f"no such code ({language})"}
    return {"ok": True}


async def refuse(db: AsyncSession, reason: str) -> None:
    await db.rollback()
    print("refused:", reason)


# a helper the session is handed to rolls it back
async def activate(uid: int, code: str) -> str:
    async with KeepFactory() as db:
        u = await db.get(User, uid)
        if code != "ok":
            await refuse(db, "bad code")
            return f"sorry {u.name}"  # expect: SL107 "after the rollback on line 152"
        return "ok"
