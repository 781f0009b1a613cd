# Objects that carry a session (issue 12, point 3): what an object keeps on
# self is the session's, wherever the object goes.
import asyncio
import threading
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

Factory = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI(dependencies=[])


def get_db():
    with Factory() as db:
        yield db


async def get_adb():
    async with AsyncFactory() as session:
        yield session


class Ledger:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def balance(self, account: int) -> int:
        return (await self.session.execute(text("SELECT balance FROM accounts WHERE id = :a"), {"a": account})).scalar_one()


class Bank:
    """Keeps the session two deep: Bank -> Ledger -> session."""

    def __init__(self, session: AsyncSession) -> None:
        self.ledger = Ledger(session)

    async def balance(self, account: int) -> int:
        return await self.ledger.balance(account)


def get_bank(session: Annotated[AsyncSession, Depends(get_adb)]) -> Bank:
    return Bank(session)


@app.get("/transfer-preview")
async def preview(a: int, b: int, session: Annotated[AsyncSession, Depends(get_adb)]):
    bank = Bank(session)
    return await asyncio.gather(bank.balance(a), bank.balance(b))  # expect: SL203


@app.post("/audit")
async def audit(account: int, bank: Annotated[Bank, Depends(get_bank)]):
    asyncio.create_task(bank.balance(account))  # expect: SL202
    return {"queued": account}


@app.get("/balance")
async def balance(account: int, bank: Annotated[Bank, Depends(get_bank)]):
    # quiet: awaited inside the request
    return {"balance": await bank.balance(account)}


class Exporter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.db: Session | None = None

    def use(self, db: Session) -> None:
        self.db = db

    def run(self) -> None:
        self.db.execute(text("INSERT INTO exports (name) VALUES (:n)"), {"n": self.name})


@app.post("/exports")
def start_export(name: str, db: Session = Depends(get_db)):
    exporter = Exporter(name)
    exporter.use(db)
    threading.Thread(target=exporter.run).start()  # expect: SL202
    return {"started": name}


@app.post("/exports/now")
def export_now(name: str, db: Session = Depends(get_db)):
    exporter = Exporter(name)
    exporter.use(db)
    worker = threading.Thread(target=exporter.run)
    worker.start()
    worker.join()  # quiet: done before the request ends
    return {"done": name}


class Catalog:
    def __init__(self) -> None:
        self._db: Session | None = None
        self._factory = Factory

    def db(self) -> Session:
        if self._db is None:
            self._db = Factory()
        return self._db

    def names(self) -> list:
        with self._factory() as s:  # quiet: one per call
            return s.execute(text("SELECT name FROM products")).scalars().all()


catalog = Catalog()  # expect: SL201


@app.get("/catalog")
def read_catalog():
    return {"count": len(catalog.db().execute(text("SELECT id FROM products")).all()), "names": catalog.names()}


# An object that keeps our own session and closes it in a method.
class Job:
    def __init__(self, session: Session) -> None:
        self.session = session

    def run(self) -> None:
        self.session.execute(text("SELECT 1"))

    def finish(self) -> None:
        self.session.close()


def nightly() -> None:
    session = Factory()
    job = Job(session)
    try:
        job.run()
    finally:
        job.finish()  # quiet: finish() closes self.session


def nightly_unguarded() -> None:
    session = Factory()  # expect: SL103
    job = Job(session)
    job.run()
    job.finish()
