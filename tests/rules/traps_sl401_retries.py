# Quiet for SL401 and SL402 in a CockroachDB project: transactions run by
# run_transaction (a def, a lambda, functools.partial, and the helpers they
# call), retry loops that catch the serialization failure and start a fresh
# transaction per attempt (a new session, or rollback() on the same one),
# sync and async, functions that only a retry runs (called from a retry
# loop, handed to the project's own retry helper, decorated with tenacity),
# and schema creation at startup.
import asyncio
import functools
import os
import random
import time
from contextlib import asynccontextmanager

import psycopg2
from fastapi import FastAPI
from psycopg2.errors import SerializationFailure
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy_cockroachdb import run_transaction
from tenacity import retry, retry_if_exception_type, stop_after_attempt

engine = create_engine("cockroachdb://root@localhost:26257/bank?sslmode=disable")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("cockroachdb+asyncpg://root@localhost:26257/bank")
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
metadata = MetaData()

MOVE = text("UPDATE accounts SET balance = balance + :delta WHERE id = :id")


def move(s: Session, source: int, target: int, amount: int):
    s.execute(MOVE, {"delta": -amount, "id": source})
    s.execute(MOVE, {"delta": amount, "id": target})


def transfer(source: int, target: int, amount: int):
    run_transaction(SessionLocal, lambda s: move(s, source, target, amount))


def transfer_partial(source: int, target: int, amount: int):
    run_transaction(SessionLocal, functools.partial(move, source=source, target=target,
                                                    amount=amount))


def audit(conn, note: str):
    conn.execute(text("INSERT INTO audit (note) VALUES (:n)"), {"n": note})


def audit_with_engine(note: str):
    run_transaction(engine, lambda conn: audit(conn, note))


def transfer_with_retry_loop(source: int, target: int, amount: int, max_retries: int = 5):
    for attempt in range(max_retries):
        try:
            with SessionLocal() as s:
                move(s, source, target, amount)
                s.commit()
            return
        except OperationalError as e:
            if getattr(e.orig, "pgcode", None) != "40001":
                raise
            time.sleep(0.1 * 2 ** attempt * random.random())
    raise RuntimeError("transfer failed after retries")


def retry_same_session_with_rollback(db: Session, source: int, target: int, amount: int):
    for attempt in range(5):
        try:
            move(db, source, target, amount)
            db.commit()
            break
        except DBAPIError as e:
            db.rollback()
            if getattr(e.orig, "sqlstate", None) != "40001":
                raise


async def async_transfer(source: int, target: int, amount: int):
    for attempt in range(5):
        try:
            async with AsyncSessionLocal() as session:
                await session.execute(MOVE, {"delta": -amount, "id": source})
                await session.execute(MOVE, {"delta": amount, "id": target})
                await session.commit()
            return
        except DBAPIError as e:
            if getattr(e.orig, "sqlstate", None) != "40001":
                raise
            await asyncio.sleep(0.05 * 2 ** attempt)


def raw_retry(dsn: str, amount: int):
    conn = psycopg2.connect(dsn)
    try:
        for attempt in range(5):
            try:
                with conn.cursor() as cur:
                    cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = 1",
                                (amount,))
                conn.commit()
                return
            except SerializationFailure:
                conn.rollback()
                time.sleep(0.1 * 2 ** attempt)
    finally:
        conn.close()


def is_retryable(e: Exception) -> bool:
    return getattr(getattr(e, "orig", None), "pgcode", None) == "40001"


def with_retries(work, attempts: int = 5):
    for attempt in range(attempts):
        try:
            return work()
        except Exception as e:
            if not is_retryable(e):
                raise
            time.sleep(0.1 * 2 ** attempt)


def close_order(order_id: int):
    with SessionLocal() as s:
        s.execute(text("UPDATE orders SET closed = true WHERE id = :id"), {"id": order_id})
        s.commit()


def close_order_retried(order_id: int):
    with_retries(lambda: close_order(order_id))


@retry(retry=retry_if_exception_type(OperationalError), stop=stop_after_attempt(5))
def bump_counter(name: str):
    with SessionLocal.begin() as s:
        s.execute(text("UPDATE counters SET n = n + 1 WHERE name = :n"), {"n": name})


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with async_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield
    await async_engine.dispose()


def create_schema():
    with engine.begin() as conn:
        metadata.create_all(conn)
