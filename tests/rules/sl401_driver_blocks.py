# SL401 on the drivers' own transaction blocks, in a CockroachDB project:
# asyncpg's and psycopg 3's `transaction()` blocks, psycopg2's `with conn:`
# (it commits on a clean exit, it does not close), `with psycopg.connect()`
# and psycopg_pool's `with pool.connection()` (both commit on a clean exit).
# Each commits with no retry around it, so a 40001 at COMMIT reaches the
# caller, or the handler that drops the write.
import asyncpg
import psycopg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from psycopg_pool import ConnectionPool

DSN = "postgresql://root@db:26257/bank?sslmode=verify-full"
pool = ConnectionPool(DSN)


async def transfer(apool: asyncpg.Pool, src: int, dst: int, amount: int) -> None:
    async with apool.acquire() as conn:
        async with conn.transaction():  # expect: SL401 "`async with conn.transaction()` commits a CockroachDB transaction"
            await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, src)
            await conn.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, dst)


async def record(dsn: str, event: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        tr = conn.transaction()
        async with conn.transaction():  # expect: SL401 "the error reaches the caller"
            await conn.execute("INSERT INTO events (name) VALUES ($1)", event)
    finally:
        await conn.close()


def deposit(account: int, amount: int) -> None:
    conn = psycopg2.connect(DSN)
    try:
        with conn:  # expect: SL401 "`with conn` commits a CockroachDB transaction with no retry"
            with conn.cursor() as cur:
                cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, account))
    finally:
        conn.close()


def rename(account: int, name: str) -> None:
    try:
        with psycopg.connect(DSN) as conn:  # expect: SL401 "the `except` on line 48 catches it and the write is silently dropped"
            conn.execute("UPDATE accounts SET name = %s WHERE id = %s", (name, account))
    except psycopg.OperationalError as exc:
        print("rename failed", exc)


def close_account(account: int) -> None:
    with pool.connection() as conn:  # expect: SL401 "commits a CockroachDB transaction"
        conn.execute("DELETE FROM accounts WHERE id = %s", (account,))


def audit(account: int, what: str) -> None:
    with pool.connection() as conn:
        with conn.transaction():  # expect: SL401
            conn.execute("INSERT INTO audit (account, what) VALUES (%s, %s)", (account, what))


legacy = ThreadedConnectionPool(1, 10, DSN)


def credit(account: int, amount: int) -> None:
    conn = legacy.getconn()
    try:
        with conn:  # expect: SL401
            with conn.cursor() as cur:
                cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, account))
    finally:
        legacy.putconn(conn)
