# SL402 retry-without-rollback, the run_transaction half: commit() or
# rollback() on the session or connection a run_transaction callback is
# given (in the callback, or in a helper it hands it to), and async objects
# given to run_transaction, which is synchronous.  run_transaction begins,
# commits, rolls back and retries by itself around a savepoint; a commit in
# the callback ends its transaction early, so a retry cannot undo the first
# attempt's writes.
import os

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy_cockroachdb import run_transaction

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)
MOVE = text("UPDATE accounts SET balance = balance + :delta WHERE id = :id")


def transfer(amount: int):
    def body(s: Session):
        s.execute(MOVE, {"delta": -amount, "id": 1})
        s.execute(MOVE, {"delta": amount, "id": 2})
        s.commit()  # expect: SL402

    run_transaction(SessionLocal, body)


def credit(s: Session, account: int, amount: int):
    s.execute(MOVE, {"delta": amount, "id": account})
    s.commit()  # expect: SL402


def credit_all(accounts: list):
    run_transaction(SessionLocal, lambda session: [credit(session, a, 10) for a in accounts])


def audit(conn, note: str):
    try:
        conn.execute(text("INSERT INTO audit (note) VALUES (:n)"), {"n": note})
    except Exception:
        conn.rollback()  # expect: SL402
        raise


def audit_engine(note: str):
    run_transaction(engine, lambda conn: audit(conn, note))


def on_async_engine():
    return run_transaction(async_engine, lambda conn: conn.execute(text("SELECT 1")))  # expect: SL402


def on_async_sessionmaker():
    return run_transaction(AsyncSessionLocal, lambda s: s.execute(text("SELECT 1")))  # expect: SL402


def on_async_session(session: AsyncSession):
    return run_transaction(session, lambda s: s.execute(text("SELECT 1")))  # expect: SL402


# Quiet: callbacks that leave the transaction to run_transaction, and sync
# transactors (a sessionmaker, a connection).
def good_callback(amount: int):
    def body(s: Session):
        s.execute(MOVE, {"delta": -amount, "id": 1})
        s.execute(MOVE, {"delta": amount, "id": 2})

    return run_transaction(SessionLocal, body)


def on_connection():
    with engine.connect() as conn:
        return run_transaction(conn, lambda c: c.execute(text("SELECT 1")).scalar())
