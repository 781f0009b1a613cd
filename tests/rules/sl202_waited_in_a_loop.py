# SL202: work started per item of a list and waited for in a loop over that
# list (`for w in workers: w.join()`, `for t in tasks: await t`) is over when
# the loop is: releasing the resource after it is not a release under work.
# An empty list runs the loop never, but it holds no work either.  A loop
# over another list, or one that only starts the work, waits for nothing.
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

pg_pool = ThreadedConnectionPool(1, 5, "dbname=app")
AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))


def count_rows(conn, table):
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")


def joined_in_a_loop():
    conn = pg_pool.getconn()
    try:
        workers = [threading.Thread(target=count_rows, args=(conn, t)) for t in ("a", "b")]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        pg_pool.putconn(conn)


def results_in_a_loop(ex: ThreadPoolExecutor):
    conn = pg_pool.getconn()
    try:
        futures = [ex.submit(count_rows, conn, t) for t in ("a", "b")]
        for f in futures:
            f.result()
    finally:
        pg_pool.putconn(conn)


def results_not_waited(ex: ThreadPoolExecutor):
    conn = pg_pool.getconn()
    try:
        futures = [ex.submit(count_rows, conn, t) for t in ("a", "b")]  # expect: SL202
        print(len(futures))
    finally:
        pg_pool.putconn(conn)


def started_not_joined():
    conn = pg_pool.getconn()
    try:
        workers = [threading.Thread(target=count_rows, args=(conn, t)) for t in ("a", "b")]  # expect: SL202
        for w in workers:
            w.start()
    finally:
        pg_pool.putconn(conn)


def joins_another_list():
    conn = pg_pool.getconn()
    try:
        workers = [threading.Thread(target=count_rows, args=(conn, t)) for t in ("a", "b")]  # expect: SL202
        others = []
        for w in workers:
            w.start()
        for w in others:
            w.join()
    finally:
        pg_pool.putconn(conn)


async def audit(session, n):
    await session.get(dict, n)


async def awaited_in_a_loop():
    async with AsyncFactory() as session:
        tasks = [asyncio.create_task(audit(session, n)) for n in range(1)]  # expect: SL203
        for t in tasks:
            await t


async def not_awaited():
    async with AsyncFactory() as session:
        tasks = [asyncio.create_task(audit(session, n)) for n in range(1)]  # expect: SL202, SL203
        print(len(tasks))
