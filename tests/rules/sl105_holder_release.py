# SL105 through an object of the project that keeps the borrowed session:
# `ledger = Ledger(db)` of a class whose __init__ stores `self.db = db` is
# a holder, and its method that closes self.db closes the borrowed session
# as `db.close()` would.  When the provider commits after its yield, the
# writes made before are discarded.  A holder method that commits before
# it closes, a provider that only closes, and a close() that closes
# something else are quiet.
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg://shop@db/shop")
Maker = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://shop@db/shop")
AsyncMaker = async_sessionmaker(aengine)
app = FastAPI()


def unit_of_work():
    s = Maker()
    try:
        yield s
        s.commit()  # expect: SL204
    except Exception:
        s.rollback()
        raise
    finally:
        s.close()


def plain_session():
    s = Maker()
    try:
        yield s
    finally:
        s.close()


async def async_unit_of_work():
    async with AsyncMaker() as s:
        async with s.begin():  # expect: SL204
            yield s


Tx = Annotated[Session, Depends(unit_of_work)]
Plain = Annotated[Session, Depends(plain_session)]


class Ledger:
    def __init__(self, session: Session, currency: str = "EUR"):
        self.session = session
        self.currency = currency
        self.cache = {}

    def post(self, account: int, amount: int):
        self.session.execute(
            text("INSERT INTO entries (account, amount) VALUES (:a, :m)"),
            {"a": account, "m": amount},
        )

    def save(self):
        self.session.commit()

    def shutdown(self):
        self.session.close()

    def finish(self):
        self.session.commit()
        self.session.close()

    def forget(self):
        self.cache.clear()


class Reporter:
    """Keeps the caller's session and a session of its own."""

    def __init__(self, session: Session):
        self.session = session
        self.own = Maker()

    def total(self):
        return self.own.scalar(text("SELECT sum(amount) FROM entries"))

    def close(self):
        self.own.close()


class AsyncLedger:
    def __init__(self, db: AsyncSession):
        self.db = db

    async def post(self, account: int):
        await self.db.execute(text("UPDATE accounts SET n = n + 1 WHERE id = :a"), {"a": account})

    async def aclose(self):
        await self.db.close()


# --- the holder's close discards what the provider would commit ---


@app.post("/entries")
def post_entry(account: int, amount: int, db: Tx):
    ledger = Ledger(db)
    try:
        ledger.post(account, amount)
    finally:
        ledger.shutdown()  # expect: SL105 "closing it here discards the writes"
    return {"ok": True}


@app.post("/entries/kw")
def post_entry_kw(account: int, db: Tx):
    ledger = Ledger(currency="USD", session=db)
    ledger.post(account, 1)
    ledger.shutdown()  # expect: SL105
    return {"ok": True}


@app.post("/async-entries")
async def post_async(account: int, db: AsyncSession = Depends(async_unit_of_work)):
    ledger = AsyncLedger(db)
    await ledger.post(account)
    await ledger.aclose()  # expect: SL105
    return {"ok": True}


# --- quiet: committed first, by the holder or in the closing method ---


@app.post("/entries/saved")
def post_saved(account: int, db: Tx):
    ledger = Ledger(db)
    ledger.post(account, 5)
    ledger.save()
    ledger.shutdown()
    return {"ok": True}


@app.post("/entries/finished")
def post_finished(account: int, db: Tx):
    ledger = Ledger(db)
    ledger.post(account, 5)
    ledger.finish()
    return {"ok": True}


@app.post("/entries/direct")
def post_direct(account: int, db: Tx):
    ledger = Ledger(db)
    ledger.post(account, 5)
    ledger.save()
    db.close()
    return {"ok": True}


# --- quiet: the provider only closes ---


@app.post("/entries/plain")
def post_plain(account: int, db: Plain):
    ledger = Ledger(db)
    ledger.post(account, 5)
    ledger.shutdown()
    return {"ok": True}


# --- quiet: the close is of something else ---


@app.get("/report")
def report(db: Tx):
    r = Reporter(db)
    try:
        return {"total": r.total()}
    finally:
        r.close()


@app.post("/entries/cache")
def post_cache(account: int, db: Tx):
    ledger = Ledger(db)
    ledger.post(account, 5)
    ledger.forget()
    return {"ok": True}
