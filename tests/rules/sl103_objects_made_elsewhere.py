# An object of the project owns what its construction keeps, however it is
# made and whoever defines its __init__: a classmethod's `cls(Maker())`, a
# factory function's return, an __init__ inherited from a base (also through
# a generic `Base[T]`), a base's run by `super().__init__()`, a record
# class's generated one.  A name bound to an object before `with obj:` is
# the holder of what its __enter__ lends, and a repository it made with it
# is one too.  A generator dependency that releases through the object it
# yielded (`box.close()`, `box.conn.close()`) after the yield skips that on
# a thrown exception.
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
Maker = sessionmaker(bind=engine)
app = FastAPI()
T = TypeVar("T")


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    def open(cls) -> "Ledger":
        return cls(Maker())

    def balance(self) -> int:
        return self.session.execute(text("SELECT sum(amount) FROM ledger")).scalar_one()

    def close(self) -> None:
        self.session.close()


def open_ledger() -> Ledger:
    ledger = Ledger(Maker())
    return ledger


def ledger_balance() -> int:
    ledger = Ledger.open()  # expect: SL103 "if the call on line 46 raises"
    n = ledger.balance()
    ledger.session.commit()
    ledger.close()
    return n


def ledger_balance_safely() -> int:
    ledger = open_ledger()
    try:
        return ledger.balance()
    finally:
        ledger.close()


def ledger_balance_with_its_session() -> int:
    ledger = Ledger.open()
    with ledger.session:
        return ledger.balance()


@dataclass
class Batch:
    batch_id: int
    conn: Session

    def finish(self) -> None:
        self.conn.close()


def batch_dropped(batch_id: int) -> None:
    batch = Batch(batch_id, Maker())  # expect: SL103 "never released"
    batch.conn.execute(text("UPDATE batches SET done = true"))


def batch_finished(batch_id: int) -> None:
    batch = Batch(batch_id, Maker())
    try:
        batch.conn.execute(text("UPDATE batches SET done = true"))
    finally:
        batch.finish()


def batch_dependency():
    batch = Batch(0, Maker())
    yield batch  # expect: SL104 "without try/finally"
    batch.finish()


def batch_dependency_closing_its_attr():
    batch = Batch(0, Maker())
    yield batch  # expect: SL104 "without try/finally"
    batch.conn.close()


def batch_dependency_guarded():
    batch = Batch(0, Maker())
    try:
        yield batch
    finally:
        batch.conn.close()


class Store(Generic[T]):
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.execute(text("SELECT count(*) FROM items")).scalar_one()


class ItemStore(Store[int]):
    pass


def store_dropped() -> int:
    store = ItemStore(Maker())  # expect: SL103 "never released"
    return store.count()


class Unit:
    def __enter__(self) -> "Unit":
        self.session = Maker()
        self.items = ItemStore(self.session)
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()


def count_after_unit() -> int:
    unit = Unit()
    with unit:
        unit.session.execute(text("DELETE FROM items WHERE stale"))
    return unit.items.count()  # expect: SL102


def count_again_in_a_new_block() -> int:
    unit = Unit()
    with unit:
        unit.session.execute(text("DELETE FROM items WHERE stale"))
    with unit:
        return unit.items.count()


class Tracked:
    def __init__(self) -> None:
        self.db = Maker()  # expect: SL103 "FastAPI makes for each request"


class Audit(Tracked):
    def __init__(self) -> None:
        super().__init__()
        self.table = "audit"

    def rows(self) -> int:
        return self.db.execute(text("SELECT count(*) FROM audit")).scalar_one()


class Closing:
    def __init__(self) -> None:
        self.db = Maker()

    def close(self) -> None:
        self.db.close()


class Reports(Closing):
    def rows(self) -> int:
        return self.db.execute(text("SELECT count(*) FROM reports")).scalar_one()


@app.get("/audit")
def audit(a: Audit = Depends()):
    return {"n": a.rows()}


@app.get("/reports")
def reports(r: Reports = Depends()):
    return {"n": r.rows()}
