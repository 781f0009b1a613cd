# Traps: the release depends on a condition that is correlated with the
# acquisition (the same local condition, a flag variable set beside the
# release, a None check, an attribute guard).  A path-insensitive analysis
# sees "maybe released twice" or "maybe not released" here; all of it is
# correct, and no finding is expected anywhere in this file.
import os

import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import AuditEntry, Order

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
pg_pool = ThreadedConnectionPool(1, 20, DSN)


# own = session is None ... if own: session.close()
def list_orders(customer_id, session: Session | None = None):
    own = session is None
    if own:
        session = SessionLocal()
    try:
        return session.scalars(select(Order).where(Order.customer_id == customer_id)).all()
    finally:
        if own:
            session.close()


# the same with a pooled connection and a negated flag.
def fetch_rows(query, conn=None):
    borrowed = conn is not None
    if not borrowed:
        conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        if not borrowed:
            pg_pool.putconn(conn)


# the condition itself is repeated instead of stored in a flag.
def count_orders(customer_id, session=None):
    if session is None:
        db = SessionLocal()
    else:
        db = session
    try:
        return len(db.scalars(select(Order.id).where(Order.customer_id == customer_id)).all())
    finally:
        if session is None:
            db.close()


# a `closed` flag set right after an early close.
def export_orders(write):
    conn = psycopg2.connect(DSN)
    closed = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, total FROM orders")
            rows = cur.fetchall()
        conn.close()
        closed = True
        write(rows)
    finally:
        if not closed:
            conn.close()


# a `returned` flag for a pooled connection (its putconn is harmful twice).
def export_pooled(write):
    conn = pg_pool.getconn()
    returned = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, total FROM orders")
            rows = cur.fetchall()
        pg_pool.putconn(conn)
        returned = True
        write(rows)
    finally:
        if not returned:
            pg_pool.putconn(conn)


# a conditional acquisition and a None check before each use and release.
def record(event, audit):
    db = SessionLocal() if audit else None
    try:
        event.process()
        if db is not None:
            db.add(AuditEntry(action=event.name))
            db.commit()
    finally:
        if db is not None:
            db.close()


# acquired inside the try; `if conn:` in finally matches it.
def table_names():
    conn = None
    try:
        conn = psycopg2.connect(DSN)
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return [r[0] for r in cur.fetchall()]
    finally:
        if conn:
            conn.close()


# a guard on self: the wrapper releases its pooled connection at most once,
# however many times release() is called.
class PooledConnection:
    def __init__(self, pool):
        self._pool = pool
        self._conn = pool.getconn()
        self._returned = False

    def cursor(self):
        if self._returned:
            raise RuntimeError("connection already returned")
        return self._conn.cursor()

    def release(self):
        if not self._returned:
            self._pool.putconn(self._conn)
            self._returned = True


# the guarded wrapper released on the error path and again in finally.
def wrapped_count():
    pc = PooledConnection(pg_pool)
    try:
        with pc.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders")
            return cur.fetchone()[0]
    except Exception:
        pc.release()
        raise
    finally:
        pc.release()


# a flag in a loop: the connection is closed once, at the first failure or
# at the end.
def apply_migrations(statements):
    conn = psycopg2.connect(DSN)
    ok = True
    try:
        for stmt in statements:
            try:
                with conn.cursor() as cur:
                    cur.execute(stmt)
            except psycopg2.Error:
                conn.rollback()
                conn.close()
                ok = False
                break
        if ok:
            conn.commit()
    finally:
        if ok:
            conn.close()
    return ok
