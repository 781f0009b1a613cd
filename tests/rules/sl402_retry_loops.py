# SL402 retry-without-rollback, the loop half: a loop that catches a
# database error raised by work on a session or connection made before the
# loop, and goes round again on it without rollback().  After a failed
# statement the transaction is aborted: SQLAlchemy raises
# PendingRollbackError (psycopg: "current transaction is aborted") on every
# later use.  Reported on the except clause.  (A PostgreSQL project: SL401
# does not apply here.)
import asyncio
import os
import time

import psycopg2
from psycopg2.errors import SerializationFailure
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
INSERT = text("INSERT INTO orders (id, total) VALUES (:id, :total)")


def place_order(db: Session, order: dict):
    for attempt in range(5):
        try:
            db.execute(INSERT, order)
            db.commit()
            return
        except OperationalError as e:  # expect: SL402
            if e.orig.pgcode != "40001":
                raise
            time.sleep(0.1 * 2 ** attempt)


def place_order_forever(order: dict):
    db = SessionLocal()
    try:
        while True:
            try:
                db.execute(INSERT, order)
                db.commit()
                break
            except DBAPIError:  # expect: SL402
                continue
    finally:
        db.close()


def import_rows(db: Session, rows: list):
    for row in rows:
        try:
            db.execute(INSERT, row)
            db.flush()
        except IntegrityError:  # expect: SL402
            print("duplicate", row)
    db.commit()


async def place_order_async(session: AsyncSession, order: dict):
    for attempt in range(5):
        try:
            await session.execute(INSERT, order)
            await session.commit()
            return
        except DBAPIError as e:  # expect: SL402
            if e.orig.sqlstate != "40001":
                raise
            await asyncio.sleep(0.05)


def raw_retry(dsn: str):
    conn = psycopg2.connect(dsn)
    try:
        for attempt in range(5):
            try:
                with conn.cursor() as cur:
                    cur.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
                conn.commit()
                return
            except SerializationFailure:  # expect: SL402
                time.sleep(0.1)
    finally:
        conn.close()


class OrderService:
    def __init__(self, session: Session):
        self.session = session

    def place(self, order: dict):
        for attempt in range(3):
            try:
                self.session.execute(INSERT, order)
                self.session.commit()
                return
            except Exception:  # expect: SL402
                time.sleep(1)


# Quiet: rollback() in the handler, after the try, a new session per attempt,
# `with db.begin():` (which rolls back itself), handlers that leave the loop,
# errors that are not the database's, and work that runs no SQL.
def with_rollback(db: Session, order: dict):
    for attempt in range(5):
        try:
            db.execute(INSERT, order)
            db.commit()
            return
        except OperationalError:
            db.rollback()


def rollback_after_try(db: Session, order: dict):
    for attempt in range(5):
        try:
            db.execute(INSERT, order)
            db.commit()
            return
        except OperationalError:
            pass
        db.rollback()


def fresh_session(order: dict):
    for attempt in range(5):
        try:
            with SessionLocal() as db:
                db.execute(INSERT, order)
                db.commit()
            return
        except OperationalError:
            time.sleep(0.1)


def begin_block(db: Session, order: dict):
    for attempt in range(5):
        try:
            with db.begin():
                db.execute(INSERT, order)
            return
        except OperationalError:
            time.sleep(0.1)


def gives_up(db: Session, order: dict):
    for attempt in range(5):
        try:
            db.execute(INSERT, order)
            db.commit()
            return
        except OperationalError:
            print("giving up")
            raise


def not_a_database_error(db: Session, rows: list):
    for row in rows:
        try:
            db.execute(INSERT, row)
        except ValueError:
            continue


def no_sql_in_try(db: Session, rows: list):
    for row in rows:
        try:
            db.add(row)
            total = int(row["total"])
        except Exception:
            continue
        print(total)


# An unannotated parameter: what its callers pass says it is a session.
def place_order_untyped(db, order: dict):
    for attempt in range(5):
        try:
            db.execute(INSERT, order)
            db.commit()
            return
        except OperationalError:  # expect: SL402
            time.sleep(0.1 * 2**attempt)


def place_order_job(order: dict):
    with SessionLocal() as db:
        place_order_untyped(db, order)
