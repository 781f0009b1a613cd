"""Blind cases: correlated conditions, flags and guarded idempotent wrappers."""
from typing import Optional

import psycopg2
from psycopg2.pool import SimpleConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

eng = create_engine("postgresql://f@db/f")
Mk = sessionmaker(bind=eng)
fpool = SimpleConnectionPool(1, 3, "dbname=f")


# Good: own = session is None ... if own: close.
def recompute(session: Optional[Session] = None):
    own = session is None
    if own:
        session = Mk()
    try:
        session.execute(text("refresh materialized view v"))
    finally:
        if own:
            session.close()


# Good: flag set in both branches.
def recompute_flag(session=None):
    if session is None:
        session = Mk()
        must_close = True
    else:
        must_close = False
    try:
        session.execute(text("select 1"))
    finally:
        if must_close:
            session.close()


# Good: a `closed = True` flag prevents the finally from closing twice (no SL106 either).
def closed_flag(dsn):
    conn = psycopg2.connect(dsn)
    closed = False
    try:
        conn.commit()
        conn.close()
        closed = True
    finally:
        if not closed:
            conn.close()


# Good: correlated on the same condition twice.
def same_condition(dsn, use_db):
    if use_db:
        conn = psycopg2.connect(dsn)
    try:
        if use_db:
            conn.commit()
    finally:
        if use_db:
            conn.close()


# Bad: the flag is set before the work that can raise, so the finally skips the close.
def flag_too_early(dsn):
    conn = psycopg2.connect(dsn)  # expect: SL103
    done = False
    try:
        done = True
        conn.commit()
        conn.close()
    finally:
        if not done:
            conn.close()


class GuardedPooled:
    """Idempotent wrapper around a pooled connection."""

    def __init__(self):
        self._conn = fpool.getconn()
        self._released = False

    def run(self, sql):
        if self._released:
            raise RuntimeError("released")
        cur = self._conn.cursor()
        try:
            cur.execute(sql)
        finally:
            cur.close()

    def release(self):
        if not self._released:
            fpool.putconn(self._conn)
            self._released = True


# Good: the wrapper's release is guarded, so calling it twice is safe.
def use_wrapper():
    w = GuardedPooled()
    try:
        w.run("select 1")
        w.release()
    finally:
        w.release()


class SessionBox:
    def __init__(self):
        self._s = Mk()
        self._closed = False

    def close(self):
        if not self._closed:
            self._s.close()
            self._closed = True


# Good: a provider using the guarded box.
def provide_box():
    box = SessionBox()
    try:
        yield box
    finally:
        box.close()


# Good: an `is not None` guard with reset to None after close.
def reset_to_none(dsn, items):
    conn = None
    try:
        conn = psycopg2.connect(dsn)
        for _ in items:
            conn.commit()
        conn.close()
        conn = None
    finally:
        if conn is not None:
            conn.close()


# Bad: the pooled connection is given back on the normal path and again when the flag is not checked.
def flag_ignored(dsn):
    c = fpool.getconn()
    back = False
    try:
        c.commit()
        fpool.putconn(c)
        back = True
    finally:
        fpool.putconn(c)  # expect: SL101
