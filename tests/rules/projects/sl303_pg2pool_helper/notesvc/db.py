# SL303 across modules: the connections come from project context managers
# in this module, which get them from a pool and put them back after their
# yield; the settings are made in other modules (squeaknode#187's shape).
from contextlib import asynccontextmanager, contextmanager

from psycopg2 import pool
from psycopg2.extras import DictCursor
from psycopg_pool import AsyncConnectionPool


class Database:
    def __init__(self, params):
        self.connection_pool = pool.ThreadedConnectionPool(5, 20, **params)

    @contextmanager
    def get_cursor(self):
        con = self.connection_pool.getconn()
        try:
            yield con.cursor(cursor_factory=DictCursor)
            con.commit()
        finally:
            self.connection_pool.putconn(con)

    @contextmanager
    def get_conn(self):
        con = self.connection_pool.getconn()
        try:
            yield con
        finally:
            self.connection_pool.putconn(con)

    @contextmanager
    def get_cursor_discard(self):
        con = self.connection_pool.getconn()
        try:
            yield con.cursor()
            con.commit()
        finally:
            con.cursor().execute("DISCARD ALL")
            self.connection_pool.putconn(con)


apool = AsyncConnectionPool("dbname=notes", open=False)


@asynccontextmanager
async def connection():
    async with apool.connection() as conn:
        yield conn
