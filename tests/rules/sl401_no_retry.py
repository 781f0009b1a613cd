# SL401 no-retry-on-serialization-failure: in a CockroachDB project (this
# file imports the CockroachDB dialect), a transaction committed outside
# run_transaction and outside a retry loop that catches the serialization
# failure.  Reported on the commit() call, or on the `begin()` of a
# transaction block that commits when it ends.
import os

import psycopg2
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy_cockroachdb import run_transaction

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)
app = FastAPI()

INSERT = text("INSERT INTO orders (id, total) VALUES (:id, :total)")


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.post("/orders")
def create_order(order: dict, db: Session = Depends(get_db)):
    db.execute(INSERT, order)
    db.commit()  # expect: SL401
    return order


def restock(item_id: int):
    with SessionLocal.begin() as s:  # expect: SL401
        s.execute(text("UPDATE items SET stock = stock + 1 WHERE id = :id"), {"id": item_id})


def reprice():
    with engine.begin() as conn:  # expect: SL401
        conn.execute(text("UPDATE items SET price = price * 1.1"))


def close_account(db: Session, account_id: int):
    with db.begin():  # expect: SL401
        db.execute(text("DELETE FROM accounts WHERE id = :id"), {"id": account_id})


async def create_async(session: AsyncSession, order: dict):
    await session.execute(INSERT, order)
    await session.commit()  # expect: SL401


def raw_transfer(amount: int):
    conn = psycopg2.connect(os.environ["DSN"])
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = 1", (amount,))
        conn.commit()  # expect: SL401
    finally:
        conn.close()


def retry_wrong_error(order: dict):
    for attempt in range(3):
        try:
            with SessionLocal() as s:
                s.execute(INSERT, order)
                s.commit()  # expect: SL401
            return
        except IntegrityError:
            continue


def each_row_once(rows: list):
    for row in rows:  # one attempt per row: a serialization failure drops the row
        try:
            with SessionLocal() as s:
                s.execute(INSERT, row)
                s.commit()  # expect: SL401
        except OperationalError:
            print("skipped", row)


def handler_gives_up(order: dict):
    for attempt in range(3):
        try:
            with SessionLocal() as s:
                s.execute(INSERT, order)
                s.commit()  # expect: SL401
            break
        except OperationalError as e:
            print("failed", e)
            raise


def catches_everything_blindly(order: dict):
    while True:
        try:
            with SessionLocal() as s:
                s.execute(INSERT, order)
                s.commit()  # expect: SL401
            return
        except Exception:
            print("trying again")


# Quiet: run_transaction commits and retries.
def transfer_with_run_transaction(amount: int):
    def body(s: Session):
        s.execute(text("UPDATE accounts SET balance = balance - :a WHERE id = 1"), {"a": amount})
        s.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = 2"), {"a": amount})

    run_transaction(SessionLocal, body)
