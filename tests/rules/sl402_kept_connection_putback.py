# select: SL402
# SL402 on a kept connection, when the handler's next step gives the
# connection back to its pool: psycopg2's pool rolls back a connection that
# is not idle when it is put back (failed transactions included), and so
# does psycopg_pool's putconn().  The next borrower gets a clean connection:
# the swallowed error harms nobody.  Reused without a rollback, it still does.
import logging

import psycopg2
import psycopg2.pool
import psycopg_pool

log = logging.getLogger(__name__)

REPORTS = psycopg2.pool.SimpleConnectionPool(1, 4, dsn="dbname=reports")
KEPT = REPORTS.getconn()


class Exporter:
    """Borrows one connection of a threaded pool for a batch of exports."""

    def __init__(self, dsn):
        self.pool = psycopg2.pool.ThreadedConnectionPool(1, 8, dsn=dsn)
        self.conn = self.pool.getconn()

    # Quiet: the error is dropped, then the connection goes back to the
    # pool, which rolls the failed transaction back.
    def finish(self, batch_id):
        try:
            with self.conn.cursor() as cur:
                cur.execute("UPDATE batches SET done = true WHERE id = %s", (batch_id,))
            self.conn.commit()
        except Exception:
            log.warning("could not mark batch %s", batch_id)
        self.pool.putconn(self.conn)

    # Bad: the same error dropped, and the object goes on with the
    # connection in its aborted transaction.
    def mark(self, batch_id):
        try:
            with self.conn.cursor() as cur:
                cur.execute("UPDATE batches SET seen = true WHERE id = %s", (batch_id,))
            self.conn.commit()
        except Exception:  # expect: SL402 "leaves `self.conn`"
            log.warning("could not mark batch %s", batch_id)
        return batch_id

    # Bad: closing the cursor is not the end of the connection's transaction.
    def label(self, batch_id, text):
        cur = self.conn.cursor()
        try:
            cur.execute("UPDATE batches SET label = %s WHERE id = %s", (text, batch_id))
        except psycopg2.Error:  # expect: SL402
            log.warning("no label for %s", batch_id)
        cur.close()


class Lease:
    """A psycopg_pool connection held by an object between calls."""

    def __init__(self, pool: psycopg_pool.ConnectionPool):
        self._pool = pool
        self._conn = pool.getconn()

    # Quiet: a best-effort DISCARD before the put-back; if it fails, the
    # pool's putconn() rolls back the failed transaction anyway.
    def release(self):
        try:
            self._conn.execute("DISCARD ALL")
        except Exception:
            pass
        self._pool.putconn(self._conn)


# Quiet: the module's borrowed connection, given back in the finally.
def archive(report_id):
    try:
        try:
            KEPT.cursor().execute("DELETE FROM reports WHERE id = %s", (report_id,))
            KEPT.commit()
        except psycopg2.Error:
            log.warning("report %s not archived", report_id)
    finally:
        REPORTS.putconn(KEPT)


# Bad: the same connection, reused after the swallowed failure.
def touch(report_id):
    try:
        KEPT.cursor().execute("UPDATE reports SET ts = now() WHERE id = %s", (report_id,))
    except psycopg2.Error:  # expect: SL402
        log.warning("report %s not touched", report_id)
    KEPT.cursor().execute("SELECT 1")  # expect: SL402 "runs SQL on `KEPT` again"
