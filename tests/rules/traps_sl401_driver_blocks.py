# Driver transaction blocks in a CockroachDB project that SL401 leaves
# alone: retried around or inside, read-only, schema-only, autocommit
# connections, and a `with` that ends no transaction of its own.
import asyncio
import random
import time

import asyncpg
import psycopg
import psycopg2
from asyncpg.exceptions import SerializationError
from psycopg2.errors import SerializationFailure
from tenacity import retry, retry_if_exception_type, stop_after_attempt

DSN = "cockroachdb://root@db:26257/bank?sslmode=verify-full"
PG_DSN = "postgresql://root@db:26257/bank?sslmode=verify-full"


async def transfer(pool: asyncpg.Pool, src: int, dst: int, amount: int) -> None:
    for attempt in range(5):
        try:
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, src)
                    await conn.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, dst)
            return
        except SerializationError:
            await asyncio.sleep(0.1 * 2**attempt)
    raise RuntimeError("transfer kept conflicting")


async def balance(pool: asyncpg.Pool, account: int) -> int:
    async with pool.acquire() as conn:
        async with conn.transaction(readonly=True):
            return await conn.fetchval("SELECT balance FROM accounts WHERE id = $1", account)


async def migrate(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        await conn.execute("CREATE TABLE IF NOT EXISTS accounts (id INT PRIMARY KEY, balance INT)")


def run_transaction(conn, op, max_retries=3):
    # the loop retries inside the block; op commits each attempt itself
    with conn:
        for retry_no in range(1, max_retries + 1):
            try:
                op(conn)
                return
            except SerializationFailure:
                conn.rollback()
                time.sleep((2**retry_no) * 0.1 * (random.random() + 0.5))
        raise ValueError(f"transaction did not succeed after {max_retries} retries")


def report(dsn: str) -> list:
    conn = psycopg2.connect(dsn)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("SELECT id, balance FROM accounts")
                return cur.fetchall()
    finally:
        conn.close()


def touch(account: int) -> None:
    conn = psycopg2.connect(PG_DSN)
    conn.autocommit = True
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("UPDATE accounts SET seen = now() WHERE id = %s", (account,))
    finally:
        conn.close()


def bump(account: int) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute("UPDATE accounts SET hits = hits + 1 WHERE id = %s", (account,))


@retry(retry=retry_if_exception_type(psycopg.errors.SerializationFailure), stop=stop_after_attempt(5))
def rename(account: int, name: str) -> None:
    with psycopg.connect(PG_DSN) as conn:
        conn.execute("UPDATE accounts SET name = %s WHERE id = %s", (name, account))


async def stream_events(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        # asyncpg runs each statement outside a transaction block in its own
        # implicit transaction, which CockroachDB retries by itself
        await conn.execute("INSERT INTO events (name) VALUES ($1)", "started")
    finally:
        await conn.close()
