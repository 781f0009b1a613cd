# SL207 and SL206 through the project's own context managers that lend a
# pooled connection: a class whose __aenter__ (__enter__) takes one from a
# pool and keeps it on self for its __aexit__ (__exit__) to give back, an
# object of it made here, by a factory method or earlier, and a
# @asynccontextmanager that acquires and yields.  The block holds the
# connection as `async with pool.acquire()` would, a transaction or none
# (a pooled connection is held either way); what the manager was handed,
# or gives back before the block, holds nothing here.
import asyncio
import time
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import create_engine, text

engine = create_engine("postgresql://app@db/app", pool_size=4, max_overflow=0)
wakeup = asyncio.Event()
inbox: asyncio.Queue = asyncio.Queue()


class Lease:
    """Borrows a connection from the pool for the block, in a transaction."""

    def __init__(self, pool: asyncpg.Pool, timeout: float = 5.0):
        self._pool = pool
        self._timeout = timeout
        self._conn = None
        self._tx = None

    async def __aenter__(self):
        self._conn = await self._pool.acquire(timeout=self._timeout)  # expect: SL103 "line 32"
        self._tx = self._conn.transaction()
        await self._tx.start()
        return self._conn

    async def __aexit__(self, kind, value, tb):
        if kind is None:
            await self._tx.commit()
        else:
            await self._tx.rollback()
        await self._pool.release(self._conn)


class AutocommitLease:
    """No transaction: the connection is still out of the pool for the block."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def __aenter__(self):
        conn = await self.pool.acquire()
        self.conn = conn
        return self

    async def __aexit__(self, *exc):
        await self.pool.release(self.conn)

    async def count(self, table):
        return await self.conn.fetchval(f"SELECT count(*) FROM {table}")


class Store:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    def lease(self) -> Lease:
        return Lease(self.pool)

    def plain(self) -> AutocommitLease:
        return AutocommitLease(self.pool)


@asynccontextmanager
async def borrowed(pool: asyncpg.Pool):
    conn = await pool.acquire()
    try:
        yield conn
    finally:
        await pool.release(conn)


@asynccontextmanager
async def in_transaction(conn: asyncpg.Connection):
    async with conn.transaction():
        yield conn


class Stopwatch:
    """An async context manager that takes nothing from a pool."""

    async def __aenter__(self):
        self.started = time.monotonic()
        return self

    async def __aexit__(self, *exc):
        self.elapsed = time.monotonic() - self.started


class Pinned:
    """Lends the connection it was handed: the caller's, held by the caller."""

    def __init__(self, conn: asyncpg.Connection):
        self._conn = conn

    async def __aenter__(self):
        await self._conn.execute("SET search_path TO app")
        return self._conn

    async def __aexit__(self, *exc):
        await self._conn.execute("RESET search_path")


class Warmed:
    """Checks the pool on entry and gives the connection back at once."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def __aenter__(self):
        async with self.pool.acquire() as conn:
            await conn.execute("SELECT 1")
        return self

    async def __aexit__(self, *exc):
        return None


class Checkout:
    """The same with SQLAlchemy and a plain `with`."""

    def __enter__(self):
        self.conn = engine.connect()
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


# bad: a computed sleep inside the block of a class-made lease
async def poll_jobs(pool: asyncpg.Pool, delay: float):
    async with Lease(pool) as conn:
        while not await conn.fetchval("SELECT count(*) FROM jobs WHERE ready"):
            await asyncio.sleep(delay)  # expect: SL207 "while it sleeps"


# bad: the lease comes from a factory method of a holder of the pool
async def wait_for_work(store: Store):
    async with store.lease() as conn:
        row = await conn.fetchrow("SELECT * FROM jobs ORDER BY id LIMIT 1")
        if row is None:
            await wakeup.wait()  # expect: SL207 "waits for other work"
        return row


# bad: the manager returns itself; no transaction, still a pooled connection
async def drain(store: Store):
    async with store.plain() as lease:
        total = await lease.count("events")
        item = await inbox.get()  # expect: SL207 "waits for other work"
        return total, item


# bad: the object made before the block
async def consume(pool: asyncpg.Pool):
    lease = Lease(pool)
    async with lease as conn:
        await conn.execute("UPDATE jobs SET taken = true")
        await inbox.join()  # expect: SL207


# bad: a project @asynccontextmanager that acquires and yields
async def watch(pool: asyncpg.Pool):
    async with borrowed(pool) as conn:
        await conn.execute("LISTEN jobs")
        await wakeup.wait()  # expect: SL207 "pooled connection `conn`"


# bad: a plain with over a class that checks out of a module's engine
def report_later():
    with Checkout() as conn:
        conn.execute(text("SELECT 1"))
        time.sleep(30)  # expect: SL207 "while it sleeps"


# bad: a second connection of the same engine while the first is lent
def copy_rows():
    with Checkout() as source:
        rows = source.execute(text("SELECT * FROM a")).all()
        with engine.connect() as target:  # expect: SL206
            target.execute(text("SELECT count(*) FROM b"))
        return rows


# quiet: the wait comes after the block gave the connection back
async def wait_then_read(store: Store):
    await wakeup.wait()
    async with store.lease() as conn:
        return await conn.fetchrow("SELECT 1")


# quiet: the block lends nothing from a pool
async def timed(pool: asyncpg.Pool):
    async with Stopwatch() as watch_:
        await wakeup.wait()
    return watch_.elapsed


# quiet: the lender was handed the caller's connection
async def pinned(conn: asyncpg.Connection):
    async with Pinned(conn) as c:
        await c.fetch("SELECT 1")
        await wakeup.wait()


# quiet: a project manager that lends the connection it was handed
async def in_tx(conn: asyncpg.Connection):
    async with in_transaction(conn) as c:
        await c.execute("UPDATE jobs SET seen = true")
        await inbox.get()


# quiet: the manager gave its connection back before the block
async def warmed(pool: asyncpg.Pool):
    async with Warmed(pool):
        await wakeup.wait()


# quiet: a short pause inside the block
async def short_pause(store: Store):
    async with store.lease() as conn:
        await conn.execute("SELECT 1")
        await asyncio.sleep(0.2)
