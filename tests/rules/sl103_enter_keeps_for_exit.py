# A context manager's __enter__ / __aenter__ that acquires into self.<attr>
# for its __exit__ / __aexit__ to release: the object owns the resource once
# __enter__ returns.  If __enter__ raises after the acquisition, the `with`
# never calls __exit__, and nothing releases it.  Quiet when nothing after
# the acquisition can raise, when __enter__ releases it on its own failure,
# and when __exit__ does not release it (then the object keeps it).
import asyncpg
import psycopg2


# Bad: the transaction's start fails (or is cancelled) and __aexit__ never runs.
class PoolTransaction:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.conn = None
        self.tr = None

    async def __aenter__(self):
        self.conn = await self.pool.acquire()  # expect: SL103
        self.tr = self.conn.transaction()
        await self.tr.start()
        return self.conn

    async def __aexit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                await self.tr.commit()
            else:
                await self.tr.rollback()
        finally:
            await self.pool.release(self.conn)


# Quiet: __aenter__ gives the connection back when its own set-up fails.
class GuardedTransaction:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self.conn = None
        self.tr = None

    async def __aenter__(self):
        self.conn = await self.pool.acquire()
        try:
            self.tr = self.conn.transaction()
            await self.tr.start()
        except BaseException:
            await self.pool.release(self.conn)
            raise
        return self.conn

    async def __aexit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                await self.tr.commit()
            else:
                await self.tr.rollback()
        finally:
            await self.pool.release(self.conn)


# Bad: the sync protocol, a statement run in __enter__.
class SearchPath:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.conn = None

    def __enter__(self):
        self.conn = psycopg2.connect(self.dsn)  # expect: SL103
        cur = self.conn.cursor()
        cur.execute("SET search_path TO app")
        cur.close()
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


# Quiet: nothing after the acquisition can raise.
class Plain:
    def __init__(self, dsn: str):
        self.dsn = dsn

    def __enter__(self):
        self.conn = psycopg2.connect(self.dsn)
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


# Quiet here: __exit__ does not release it, so the object keeps it (its own
# lifetime is another matter).
class KeepsIt:
    def __init__(self, dsn: str):
        self.dsn = dsn

    def __enter__(self):
        self.conn = psycopg2.connect(self.dsn)
        self.conn.cursor().execute("SELECT 1")
        return self

    def __exit__(self, *exc):
        return None


async def transfer(pool: asyncpg.Pool, src: int, dst: int):
    async with PoolTransaction(pool) as conn:
        await conn.execute("UPDATE acct SET bal = bal - 1 WHERE id = $1", src)
        await conn.execute("UPDATE acct SET bal = bal + 1 WHERE id = $1", dst)
