from contextlib import contextmanager

from psycopg2.pool import ThreadedConnectionPool


class Pools:
    def __init__(self):
        self._pool = None

    def _pool_or_new(self):
        if self._pool is None:
            self._pool = ThreadedConnectionPool(1, 8, dsn="dbname=catalog")
        return self._pool

    @contextmanager
    def borrowed(self):
        pool = self._pool_or_new()
        conn = pool.getconn()
        try:
            yield conn
        finally:
            pool.putconn(conn)

    def cursor_for_admin(self):
        return self.borrowed()


pools = Pools()
