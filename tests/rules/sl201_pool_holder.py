# SL201 shared-across-requests: an object that makes its own thread-safe
# pool lives long and serves callers at once (that is what such a pool is
# for); a method that keeps the connection it checks out on self makes every
# caller share that one attribute.  A second checkout overwrites the first,
# which is never returned, and both callers work on one connection.
# Convention: the finding is on the assignment that keeps the checkout.
import threading

import asyncpg
from psycopg2 import pool
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, text


# Bad: the shape of a vector-index executor's handler (a context manager).
class PostgresHandler:
    def __init__(self, dsn: str):
        self.pg_pool = pool.ThreadedConnectionPool(1, 5, dsn)

    def __enter__(self):
        self.connection = self.pg_pool.getconn()  # expect: SL201 "goes back to the pool twice"
        return self

    def __exit__(self, *exc):
        self.pg_pool.putconn(self.connection)

    def count(self) -> int:
        cur = self.connection.cursor()
        cur.execute("SELECT count(*) FROM docs")
        return cur.fetchone()[0]


# Bad: psycopg 3's pool, the checkout kept by an ordinary method.
class Store:
    def __init__(self, conninfo: str):
        self.pool = ConnectionPool(conninfo)

    def open(self):
        self.conn = self.pool.getconn()  # expect: SL201

    def close(self):
        self.pool.putconn(self.conn)


# Bad: asyncpg; the pool made in a coroutine of the object, the checkout awaited.
class EventLog:
    async def start(self, dsn: str):
        self.pool = await asyncpg.create_pool(dsn)

    async def __aenter__(self):
        self.conn = await self.pool.acquire()  # expect: SL201
        return self

    async def __aexit__(self, *exc):
        await self.pool.release(self.conn)


# Bad: an engine is a pool too.
class Reports:
    def __init__(self, url: str):
        self.engine = create_engine(url)

    def begin(self):
        self.conn = self.engine.connect()  # expect: SL201 "both work on one connection;"

    def total(self) -> int:
        return self.conn.execute(text("SELECT count(*) FROM orders")).scalar()


# Bad: execution_options() gives an engine over the same pool.
class Warehouse:
    def __init__(self, url: str):
        self._engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        self._conn = None

    @property
    def connection(self):
        if self._conn is None:
            self._conn = self._engine.connect()  # expect: SL201
        return self._conn


# Quiet: SimpleConnectionPool is for one thread by design.
class SingleThreaded:
    def __init__(self, dsn: str):
        self.pg_pool = pool.SimpleConnectionPool(1, 2, dsn)

    def __enter__(self):
        self.connection = self.pg_pool.getconn()
        return self

    def __exit__(self, *exc):
        self.pg_pool.putconn(self.connection)


# Quiet: the pool is handed in; the object may be one per unit of work.
class UnitOfWork:
    def __init__(self, shared_pool):
        self.pool = shared_pool

    def __enter__(self):
        self.connection = self.pool.getconn()
        return self

    def __exit__(self, *exc):
        self.pool.putconn(self.connection)


# Quiet: a connection for the object's whole life, taken once in __init__.
class Listener:
    def __init__(self, dsn: str):
        self.pg_pool = pool.ThreadedConnectionPool(1, 5, dsn)
        self.connection = self.pg_pool.getconn()


# Quiet: one connection per thread, in thread-local storage.
class PerThread:
    def __init__(self, dsn: str):
        self.pg_pool = pool.ThreadedConnectionPool(1, 5, dsn)
        self.local = threading.local()

    def __enter__(self):
        self.local.connection = self.pg_pool.getconn()
        return self

    def __exit__(self, *exc):
        self.pg_pool.putconn(self.local.connection)


# Quiet: each call checks out into a local and puts it back.
class Counter:
    def __init__(self, dsn: str):
        self.pg_pool = pool.ThreadedConnectionPool(1, 5, dsn)

    def count(self) -> int:
        conn = self.pg_pool.getconn()
        try:
            cur = conn.cursor()
            cur.execute("SELECT count(*) FROM docs")
            return cur.fetchone()[0]
        finally:
            self.pg_pool.putconn(conn)
