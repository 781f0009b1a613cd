"""Blind cases: methods, nested functions, match statements, cursors on borrowed connections."""
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

eng = create_engine("postgresql://c@db/c")
Mk = sessionmaker(bind=eng)


# Bad: a cursor on a borrowed connection closed only on the normal path.
def count_rows(conn, table):
    cur = conn.cursor()  # expect: SL103
    cur.execute("select count(*) from " + table)
    n = cur.fetchone()[0]
    cur.close()
    return n


# Good: cursor in a with-block on a borrowed connection.
def count_rows_ok(conn, table):
    with conn.cursor() as cur:
        cur.execute("select count(*) from " + table)
        return cur.fetchone()[0]


# Good: cursor closed in finally.
def count_rows_finally(conn):
    cur = conn.cursor()
    try:
        cur.execute("select 1")
        return cur.fetchone()
    finally:
        cur.close()


class ReportService:
    def __init__(self, dsn):
        self.dsn = dsn

    # Bad: method acquires and closes only on the normal path.
    def monthly(self):
        conn = psycopg2.connect(self.dsn)  # expect: SL103
        self._fill(conn)
        conn.close()

    # Good: method uses try/finally.
    def weekly(self):
        conn = psycopg2.connect(self.dsn)
        try:
            self._fill(conn)
        finally:
            conn.close()

    def _fill(self, conn):
        conn.commit()

    # Good: a static method using a session with-block.
    @staticmethod
    def daily():
        with Mk() as s:
            s.execute(text("select 1"))


# Bad: a match arm returns without closing after the connection was used.
def handle(cmd, dsn):
    conn = psycopg2.connect(dsn)  # expect: SL103
    try:
        conn.commit()
    except Exception:
        conn.close()
        raise
    match cmd:
        case {"op": "noop"}:
            return None
        case {"op": "flush"}:
            conn.close()
            return True
        case _:
            conn.close()
            return False


# Good: match inside try/finally.
def handle_ok(cmd, dsn):
    conn = psycopg2.connect(dsn)
    try:
        match cmd:
            case "commit":
                conn.commit()
            case "rollback":
                conn.rollback()
    finally:
        conn.close()


# Nested function: the inner one leaks, the outer is fine.
def make_task(dsn):
    def task():
        inner = psycopg2.connect(dsn)  # expect: SL103
        inner.commit()
        inner.close()

    outer = psycopg2.connect(dsn)
    try:
        outer.commit()
    finally:
        outer.close()
    return task


# Good: a closure that uses a with-block.
def make_task_ok(dsn):
    def task():
        with Mk() as s:
            s.execute(text("select 1"))

    return task


# Good: lambda and comprehension with no resources held.
def names(rows):
    return sorted([r.name for r in rows], key=lambda n: n.lower())


# Bad: a cursor on an owned connection used after the connection was closed inside the method.
class Exporter:
    def dump(self, dsn):
        conn = psycopg2.connect(dsn)
        try:
            cur = conn.cursor()
            cur.execute("select 1")
        finally:
            conn.close()
        for row in cur:  # expect: SL102
            print(row)
