# A deadlock (40P01) or a lock timeout (55P03) aborts the transaction as a
# serialization failure does: a loop that catches one and goes round again
# on the same connection must roll it back first, or run each attempt in a
# block that rolls back by itself.
import asyncio
import time

import asyncpg
import psycopg
import psycopg2
import psycopg2.errors
from psycopg.errors import DeadlockDetected, LockNotAvailable
from psycopg_pool import ConnectionPool

pool = ConnectionPool("postgresql://app@db/app")


def move_bad(sku: str, qty: int) -> None:
    with pool.connection() as conn:
        for attempt in range(3):
            try:
                conn.execute("UPDATE stock SET qty = qty - %s WHERE sku = %s", (qty, sku))
                conn.commit()
                return
            except DeadlockDetected:  # expect: SL402
                time.sleep(0.05 * 2**attempt)


def reserve_bad(sku: str) -> None:
    with pool.connection() as conn:
        while True:
            try:
                conn.execute("SELECT 1 FROM stock WHERE sku = %s FOR UPDATE NOWAIT", (sku,))
                conn.commit()
                break
            except LockNotAvailable:  # expect: SL402
                time.sleep(0.1)


def move_rolled_back(sku: str, qty: int) -> None:
    with pool.connection() as conn:
        for attempt in range(3):
            try:
                conn.execute("UPDATE stock SET qty = qty - %s WHERE sku = %s", (qty, sku))
                conn.commit()
                return
            except DeadlockDetected:
                conn.rollback()
                time.sleep(0.05 * 2**attempt)


def move_in_transaction_block(sku: str, qty: int) -> None:
    with pool.connection() as conn:
        for attempt in range(3):
            try:
                with conn.transaction():  # rolls back when left by the exception
                    conn.execute("UPDATE stock SET qty = qty - %s WHERE sku = %s", (qty, sku))
                return
            except psycopg.errors.DeadlockDetected:
                time.sleep(0.05 * 2**attempt)


def move_psycopg2_block(conn2, sku: str, qty: int) -> None:
    for attempt in range(3):
        try:
            with conn2:  # psycopg2: the block rolls back on an exception
                with conn2.cursor() as cur:
                    cur.execute("UPDATE stock SET qty = qty - %s WHERE sku = %s", (qty, sku))
            return
        except psycopg2.errors.DeadlockDetected:
            time.sleep(0.05 * 2**attempt)


async def move_asyncpg(apool: asyncpg.Pool, sku: str, qty: int) -> None:
    async with apool.acquire() as conn:
        for attempt in range(3):
            try:
                async with conn.transaction():
                    await conn.execute("UPDATE stock SET qty = qty - $1 WHERE sku = $2", qty, sku)
                return
            except asyncpg.exceptions.DeadlockDetectedError:
                await asyncio.sleep(0.05 * 2**attempt)
