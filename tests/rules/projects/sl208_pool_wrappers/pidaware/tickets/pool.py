import os
from contextlib import contextmanager

from psycopg2.pool import SimpleConnectionPool


class PerProcessPool:
    """Builds a new pool in any process other than the one that made it."""

    def __init__(self):
        self._pool = None
        self._pid = None

    def _current(self):
        if self._pool is not None and self._pid != os.getpid():
            self._pool = None  # inherited through a fork: not ours
        if self._pool is None:
            self._pool = SimpleConnectionPool(1, 4, dsn="dbname=tickets")
            self._pid = os.getpid()
        return self._pool

    @contextmanager
    def connection(self):
        pool = self._current()
        conn = pool.getconn()
        try:
            yield conn
        finally:
            pool.putconn(conn)


db = PerProcessPool()
