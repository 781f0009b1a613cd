# SL102 for a task an endpoint starts with asyncio.create_task and does not
# wait for: it runs on after the request, when the provider of the
# request's session tears it down.  A provider that rolls back (or commits,
# with a factory that expires on commit) and closes leaves every object of
# that session expired and detached, so the task's first plain read of one
# (its id too) raises DetachedInstanceError.  Also when the endpoint hands
# the session to a service method that starts the task, and when the task
# is a function of the project the object is handed to.
# Convention: the finding is on the task's read.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Keep = async_sessionmaker(engine, expire_on_commit=False)
Expiring = async_sessionmaker(engine)
TaskFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://worker@db/app"))
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]


class Export(Base):
    __tablename__ = "export"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped[Owner] = relationship()


async def get_db():
    async with Keep() as session:
        try:
            yield session
        finally:
            await session.rollback()  # never leave the connection idle in a transaction


async def get_committing_db():
    async with Expiring() as session:
        yield session
        await session.commit()  # expect: SL204


async def get_plain_db():
    async with Keep() as session:
        yield session


async def get_careful_db():
    async with Keep() as session:
        try:
            yield session
            await session.commit()  # expect: SL204
        except Exception:
            await session.rollback()
            raise


async def notify(export):
    print(export.name)


@app.post("/exports/{export_id}/run")
async def run_export(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)

    async def work():
        await asyncio.sleep(1)
        print(export.name)  # expect: SL102 "`get_db` rolls back the session (every object expires) and closes it"

    asyncio.create_task(work())
    return {"queued": export.id}


class ExportService:
    async def start(self, db: AsyncSession, export_id: int):
        export = await db.get(Export, export_id)

        async def work():
            print(export.id)  # expect: SL102 "by the task that `asyncio.ensure_future()` starts on line 94"

        asyncio.ensure_future(work())


service = ExportService()


@app.post("/exports/{export_id}/start")
async def start_export(export_id: int, db: AsyncSession = Depends(get_db)):
    await service.start(db, export_id)


@app.post("/exports/{export_id}/notify")
async def notify_export(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)
    asyncio.create_task(notify(export))  # expect: SL102 "(by `notify()`"


@app.post("/exports/{export_id}/commit")
async def commit_export(export_id: int, db: AsyncSession = Depends(get_committing_db)):
    export = await db.get(Export, export_id)

    async def work():
        print(export.name)  # expect: SL102 "commits the session"

    asyncio.create_task(work())


@app.post("/exports/{export_id}/owner")
async def owner_of(export_id: int, db: AsyncSession = Depends(get_plain_db)):
    export = await db.get(Export, export_id)

    async def work():
        print(export.name)  # loaded and not expired: readable detached
        print(export.owner.email)  # expect: SL102 "`export.owner` is a relationship loaded on first read"

    asyncio.create_task(work())


# --- quiet ------------------------------------------------------------------


@app.post("/exports/{export_id}/ids")
async def ids_first(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)
    name = export.name

    async def work():
        print(name)

    asyncio.create_task(work())


@app.post("/exports/{export_id}/reload")
async def reload_in_task(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)
    export_id = export.id

    async def work():
        async with TaskFactory() as db:
            export = await db.get(Export, export_id)
            print(export.name)

    asyncio.create_task(work())


@app.post("/exports/{export_id}/wait")
async def waited(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)

    async def work():
        print(export.name)

    task = asyncio.create_task(work())
    await task


@app.post("/exports/{export_id}/gather")
async def gathered(export_id: int, db: AsyncSession = Depends(get_db)):
    export = await db.get(Export, export_id)

    async def work():
        print(export.name)

    tasks = [asyncio.create_task(work())]
    await asyncio.gather(*tasks)


@app.post("/exports/{export_id}/careful")
async def careful(export_id: int, db: AsyncSession = Depends(get_careful_db)):
    export = await db.get(Export, export_id)

    async def work():
        print(export.name)  # committed with expire_on_commit=False: loaded, detached

    asyncio.create_task(work())


@app.post("/exports")
async def added_only(name: str, db: AsyncSession = Depends(get_db)):
    export = Export(id=7, name=name, owner_id=1)
    db.add(export)

    async def work():
        print(export.id)  # never committed: the rollback expunges it, still readable

    asyncio.create_task(work())
