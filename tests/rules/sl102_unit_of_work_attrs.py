# SL102 through a project context manager that keeps its session on self:
# `with Ledger() as led:` whose __enter__ stores self.db and returns self,
# and whose __exit__ closes self.db.  After the block `led.db` is closed,
# and so is the session of any object built on it inside the block.
# Also a @contextmanager's session kept by a repository made in the block.
from contextlib import contextmanager

from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
Factory = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app")
AFactory = async_sessionmaker(aengine)
Base = declarative_base()


class Entry(Base):
    __tablename__ = "entries"
    id = Column(Integer, primary_key=True)
    memo = Column(String)


class Entries:
    def __init__(self, db):
        self.db = db

    def put(self, entry):
        self.db.add(entry)

    def total(self):
        return self.db.scalar(select(Entry.id))


class Ledger:
    def __enter__(self):
        self.db = Factory()
        return self

    def __exit__(self, *exc):
        self.db.close()


class CommittingLedger:
    def __enter__(self):
        self.db = Factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type:
                self.db.rollback()
            else:
                self.db.commit()
        finally:
            self.db.close()


# quiet trap: __exit__ commits but never closes; the session stays usable
class KeepOpen:
    def __enter__(self):
        self.db = Factory()
        return self

    def __exit__(self, *exc):
        self.db.commit()


class AsyncLedger:
    async def __aenter__(self):
        self.conn_db = AFactory()
        return self

    async def __aexit__(self, *exc):
        await self.conn_db.close()


@contextmanager
def scoped():
    db = Factory()
    try:
        yield db
    finally:
        db.close()


def read_after_block():
    with Ledger() as led:
        led.db.add(Entry(memo="a"))
    return led.db.scalar(select(Entry.id))  # expect: SL102 "`led.db` is used after close"


def repository_outlives_block(memo):
    with CommittingLedger() as led:
        entries = Entries(led.db)
        entries.put(Entry(memo=memo))
    return entries.total()  # expect: SL102 "used after close"


def repository_of_contextmanager(memo):
    with scoped() as db:
        entries = Entries(db)
        entries.put(Entry(memo=memo))
    return entries.total()  # expect: SL102 "used after close"


async def async_read_after_block():
    async with AsyncLedger() as led:
        pass
    return await led.conn_db.scalar(select(Entry.id))  # expect: SL102 "used after close"


# quiet: the repository is used only inside the block
def repository_inside_block(memo):
    with CommittingLedger() as led:
        entries = Entries(led.db)
        entries.put(Entry(memo=memo))
        return entries.total()


# quiet: the context manager's __exit__ does not close what it keeps
def not_closed_by_exit():
    with KeepOpen() as k:
        k.db.add(Entry(memo="b"))
    return k.db.scalar(select(Entry.id))


# quiet: a new block, a new session
def entered_again():
    with Ledger() as led:
        led.db.add(Entry(memo="c"))
    with Ledger() as led:
        return led.db.scalar(select(Entry.id))


# quiet: the name is bound to another object after the block
def rebound_after_block():
    with Ledger() as led:
        pass
    led = Entries(Factory())
    try:
        return led.total()
    finally:
        led.db.close()
