# select: SL106
# SL106: a second release of a resource whose release is idempotent
# (sessions, connections, cursors, asyncpg pool proxies).  Harmless, so off
# by default; this file runs with --select SL106.  Reported on the second
# release.  Nothing else in this file is a defect of another rule.
import os

import asyncpg
import psycopg
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from app.models import Invoice

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# close() in the except handler and again in finally.
def void_invoice(invoice_id):
    db = SessionLocal()
    try:
        db.get(Invoice, invoice_id).voided = True
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        db.close()
        raise
    finally:
        db.close()  # expect: SL106


# close() at the end of the try and again in finally.
def count_invoices():
    db = SessionLocal()
    try:
        n = db.scalar(text("SELECT count(*) FROM invoices"))
        db.close()
        return n
    finally:
        db.close()  # expect: SL106


# a psycopg2 connection closed in except and finally.
def log_event(kind):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO events (kind) VALUES (%s)", (kind,))
        conn.commit()
    except psycopg2.Error:
        conn.close()
        raise
    finally:
        conn.close()  # expect: SL106


# a SQLAlchemy Connection closed twice on the normal path.
def row_count(table):
    conn = engine.connect()
    try:
        n = conn.execute(text("SELECT count(*) FROM " + table)).scalar()
        conn.close()
    finally:
        conn.close()  # expect: SL106
    return n


# an asyncpg pool proxy released twice: a no-op the second time (each
# acquire returns a new proxy), so SL106, not SL101.
async def touch(key):
    conn = await apg_pool.acquire()
    try:
        await conn.execute("UPDATE cache SET touched = now() WHERE key = $1", key)
        await apg_pool.release(conn)
    finally:
        await apg_pool.release(conn)  # expect: SL106


# an asyncpg connection closed in except and finally.
async def ping():
    conn = await asyncpg.connect(DSN)
    try:
        return await conn.fetchval("SELECT 1")
    except asyncpg.PostgresError:
        await conn.close()
        raise
    finally:
        await conn.close()  # expect: SL106


# a cursor closed twice.
def first_invoice_id(conn):
    cur = conn.cursor()
    try:
        cur.execute("SELECT min(id) FROM invoices")
        row = cur.fetchone()
        cur.close()
        return row[0]
    finally:
        cur.close()  # expect: SL106


# raw_connection() closed twice: the second close is ignored.
def server_encoding():
    dbapi_conn = engine.raw_connection()
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute("SHOW server_encoding")
            enc = cur.fetchone()[0]
        dbapi_conn.close()
        return enc
    finally:
        dbapi_conn.close()  # expect: SL106


def close_conn(conn):
    conn.close()


# a helper that closes its parameter, then a direct close.
def vacuum():
    conn = psycopg.connect(DSN, autocommit=True)
    try:
        conn.execute("VACUUM")
    finally:
        close_conn(conn)
    conn.close()  # expect: SL106


# quiet: the except handler closes and re-raises, the normal path closes
# after the try; no path closes twice.
def mark_invoice_sent(invoice_id):
    db = SessionLocal()
    try:
        db.get(Invoice, invoice_id).sent = True
        db.commit()
    except BaseException:
        db.close()
        raise
    db.close()


# quiet: psycopg2's `with conn:` does not close, so close() after it is the
# only release.
def add_invoice_line(invoice_id, cents):
    conn = psycopg2.connect(DSN)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO lines (invoice_id, cents) VALUES (%s, %s)", (invoice_id, cents))
    finally:
        conn.close()


# quiet: a flag keeps finally from closing again.
def export_invoices(write):
    conn = psycopg2.connect(DSN)
    closed = False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM invoices")
            rows = cur.fetchall()
        conn.close()
        closed = True
        write(rows)
    finally:
        if not closed:
            conn.close()


# quiet: the second close() is of a new connection bound to the same name.
def two_passes():
    conn = psycopg.connect(DSN)
    try:
        conn.execute("ANALYZE invoices")
    finally:
        conn.close()
    conn = psycopg.connect(DSN)
    try:
        conn.execute("ANALYZE lines")
    finally:
        conn.close()
