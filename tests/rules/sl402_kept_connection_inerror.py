# select: SL402
# SL402 on a kept connection: a statement on a connection that outlives the
# call (a module global, an attribute of a long-lived object, a threaded
# server's connection) fails inside a try whose handler swallows the error
# with no rollback(), commit(), close() or raise.  PostgreSQL then refuses
# every later statement on that connection ("current transaction is aborted,
# commands ignored until end of transaction block") until a rollback.
# Convention: the finding is on the except clause.
import logging
import socketserver

import asyncpg
import psycopg
import psycopg2
import psycopg2.errors
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

log = logging.getLogger(__name__)

METRICS = psycopg.connect("dbname=metrics")


# Bad: psycopg 3's module-wide connection, the error logged and dropped.
def record_metric(name, value):
    try:
        METRICS.execute("INSERT INTO metrics (name, value) VALUES (%s, %s)", (name, value))
        METRICS.commit()
    except Exception:  # expect: SL402 "leaves `METRICS`"
        log.exception("metric %s lost", name)


class AuditLog:
    """One per worker process, used for every job it runs."""

    def __init__(self, dsn):
        self.db = psycopg2.connect(dsn)
        self.cur = self.db.cursor()

    # Bad: the object's connection; a duplicate row answers False, and the
    # next write() of this object fails in the aborted transaction.
    def write(self, job_id, text):
        try:
            with self.db.cursor() as cur:
                cur.execute("INSERT INTO audit (job_id, text) VALUES (%s, %s)", (job_id, text))
            self.db.commit()
        except psycopg2.errors.UniqueViolation:  # expect: SL402 "the handler catches `psycopg2.errors.UniqueViolation` and returns"
            return False
        return True

    # Bad: the kept cursor, in a loop that goes on past a bad item.
    def write_all(self, rows):
        for job_id, text in rows:
            try:
                self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
            except psycopg2.Error as e:  # expect: SL402 "goes on without rollback()"
                log.warning("skipped %s: %s", job_id, e)

    # Bad: a local bound once to the object's connection is the same one.
    def count(self, job_id):
        db = self.db
        try:
            cur = db.cursor()
            cur.execute("SELECT count(*) FROM audit WHERE job_id = %s", (job_id,))
            return cur.fetchone()[0]
        except Exception:  # expect: SL402
            return 0

    # Quiet: the handler rolls back.
    def write_or_skip(self, job_id, text):
        try:
            self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
            self.db.commit()
        except psycopg2.IntegrityError:
            self.db.rollback()
            return False
        return True

    # Quiet: a commit of the failed transaction ends it as well.
    def touch(self, job_id):
        try:
            self.cur.execute("UPDATE audit SET seen = now() WHERE job_id = %s", (job_id,))
        except Exception:
            log.exception("touch")
        finally:
            self.db.commit()

    # Quiet: the handler raises again; the caller decides.
    def must_write(self, job_id, text):
        try:
            self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
        except psycopg2.Error:
            log.error("audit write failed")
            raise

    # Quiet: the handler closes the connection.
    def write_or_drop(self, job_id, text):
        try:
            self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
        except Exception:
            self.db.close()
            return False

    # Quiet: `with conn:` rolls back when the block raises.
    def write_in_block(self, job_id, text):
        try:
            with self.db:
                self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
        except psycopg2.Error:
            return False
        return True

    # Quiet: the handler catches what is not the database's.
    def parse_and_write(self, payload):
        try:
            job_id = int(payload["job"])
            self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, payload["text"]))
        except (KeyError, ValueError):
            return False
        return True

    # Quiet: the code after the handler commits, which ends the failed
    # transaction.
    def write_then_commit(self, job_id, text):
        try:
            self.cur.execute("INSERT INTO audit VALUES (%s, %s)", (job_id, text))
        except Exception:
            log.exception("audit")
        self.db.commit()


# Quiet: a connection per call, closed in finally.
def lookup(dsn, key):
    conn = psycopg2.connect(dsn)
    try:
        cur = conn.cursor()
        cur.execute("SELECT value FROM kv WHERE key = %s", (key,))
        return cur.fetchone()
    except psycopg2.Error:
        return None
    finally:
        conn.close()


# Quiet: a connection per call that dies with it.
def ping(dsn):
    try:
        with psycopg.connect(dsn) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


# Quiet: asyncpg runs each statement in autocommit outside transaction().
class Events:
    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn

    async def add(self, kind):
        try:
            await self.conn.execute("INSERT INTO events (kind) VALUES ($1)", kind)
        except Exception:
            return False
        return True


# A threaded TCP service: every request thread uses the server's connection.
class LineServer(socketserver.ThreadingTCPServer):
    def __init__(self, address, handler, dsn):
        super().__init__(address, handler)
        self.db = psycopg2.connect(dsn)


class LineHandler(socketserver.StreamRequestHandler):
    # Bad: self.server is the server object all requests share.
    def handle(self):
        line = self.rfile.readline().decode().strip()
        try:
            self.server.db.cursor().execute("INSERT INTO lines (text) VALUES (%s)", (line,))
            self.server.db.commit()
            self.wfile.write(b"ok\n")
        except Exception as e:  # expect: SL402 "leaves `self.server.db`"
            self.wfile.write(("error: %s\n" % e).encode())
