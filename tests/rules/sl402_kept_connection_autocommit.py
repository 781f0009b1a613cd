# select: SL402
# Traps for SL402 on a kept connection: a connection in autocommit has no
# transaction for a failed statement to abort, so swallowing the error
# leaves it usable.
import logging

import psycopg
import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

log = logging.getLogger(__name__)

STATS = psycopg2.connect("dbname=stats")
STATS.autocommit = True


class Listener:
    def __init__(self, dsn):
        self.conn = psycopg2.connect(dsn)
        self.conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
        self.pg3 = psycopg.connect(dsn, autocommit=True)

    def notify(self, channel, payload):
        try:
            self.conn.cursor().execute("SELECT pg_notify(%s, %s)", (channel, payload))
        except Exception:
            log.exception("notify")

    def mark(self, key):
        try:
            self.pg3.execute("UPDATE marks SET n = n + 1 WHERE key = %s", (key,))
        except psycopg.Error:
            return False
        return True


def bump(name):
    try:
        STATS.cursor().execute("UPDATE stats SET n = n + 1 WHERE name = %s", (name,))
    except Exception:
        pass
