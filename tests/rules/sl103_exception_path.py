# SL103 on exception paths: a call between the acquisition and the release
# can raise, and the release is not in finally (or a with block), so that
# path leaks the resource: a pooled connection stays checked out, and a
# request that can trigger the exception at will drains the pool.
# Reported on the acquisition.
import csv
import os
import secrets

import psycopg
import psycopg2
from fastapi import FastAPI, HTTPException
from psycopg import sql
from psycopg2 import sql as pg2sql
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.models import ApiKey, Project, Row, User

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"], pool_size=10)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
pg_pool = ThreadedConnectionPool(1, 20, DSN)
app = FastAPI()


# the query raises, close() is skipped.
def count_active_users():
    db = SessionLocal()  # expect: SL103
    n = db.scalar(select(func.count()).select_from(User).where(User.active))
    db.close()
    return n


# close() at the end of the try block, not in finally: the except handler
# rolls back and re-raises without closing.
def deactivate_user(user_id):
    db = SessionLocal()  # expect: SL103
    try:
        db.execute(update(User).where(User.id == user_id).values(active=False))
        db.commit()
        db.close()
    except SQLAlchemyError:
        db.rollback()
        raise


# closed only on the failure path; the normal path returns with it open.
def create_api_key(owner_id):
    db = SessionLocal()  # expect: SL103
    try:
        key = ApiKey(owner_id=owner_id, secret=secrets.token_hex(32))
        db.add(key)
        db.commit()
    except Exception:
        db.rollback()
        db.close()
        raise
    return key.id


# SQLAlchemy Connection from engine.connect(), closed after the statement.
def table_exists(name):
    conn = engine.connect()  # expect: SL103
    found = conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar()
    conn.close()
    return found


# psycopg2: the insert or the commit raises, close() is skipped.
def insert_event(kind, payload):
    conn = psycopg2.connect(DSN)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("INSERT INTO events (kind, payload) VALUES (%s, %s)", (kind, payload))
    conn.commit()
    conn.close()


# a pooled connection: an exception keeps it checked out for good.
def mark_paid(invoice_id):
    conn = pg_pool.getconn()  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))
    conn.commit()
    pg_pool.putconn(conn)


# psycopg 3 connection closed after the statement, not in finally.
def vacuum_table(name):
    conn = psycopg.connect(DSN, autocommit=True)  # expect: SL103
    conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(name)))
    conn.close()


# an endpoint that raises HTTPException between acquire and close.
@app.get("/projects/{project_id}")
def get_project(project_id: int):
    session = Session(engine)  # expect: SL103
    project = session.get(Project, project_id)
    if project is None:
        raise HTTPException(status_code=404, detail="no such project")
    session.close()
    return project


# the handler swallows the error and returns without closing.
def try_advisory_lock(name):
    conn = engine.connect()  # expect: SL103
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name}).scalar()  # expect: SL304
    except DBAPIError:
        return False
    conn.close()
    return got


# a call between the acquisition (and first use) and the try that protects it.
def import_csv(path):
    db = SessionLocal()  # expect: SL103
    db.execute(text("SET LOCAL statement_timeout = 5000"))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    try:
        db.add_all([Row(**r) for r in rows])
        db.commit()
    finally:
        db.close()


# quiet: SQLAlchemy checks a connection out on a session's first use, so a
# session that nothing has used yet holds nothing when open() raises.
def import_csv_unused(path):
    db = SessionLocal()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    try:
        db.add_all([Row(**r) for r in rows])
        db.commit()
    finally:
        db.close()


# the second connect raises and the first connection leaks.
def copy_table(src_dsn, dst_dsn, table):
    src = psycopg2.connect(src_dsn)  # expect: SL103
    dst = psycopg2.connect(dst_dsn)
    try:
        with src.cursor() as rcur, dst.cursor() as wcur:
            rcur.execute(pg2sql.SQL("SELECT * FROM {}").format(pg2sql.Identifier(table)))
            for row in rcur:
                wcur.execute("INSERT INTO copied VALUES %s", (row,))
        dst.commit()
    finally:
        dst.close()
        src.close()


# quiet: nested try/finally, one per connection.
def copy_table_safely(src_dsn, dst_dsn):
    src = psycopg2.connect(src_dsn)
    try:
        dst = psycopg2.connect(dst_dsn)
        try:
            with src.cursor() as rcur, dst.cursor() as wcur:
                rcur.execute("SELECT id, body FROM notes")
                wcur.executemany("INSERT INTO notes (id, body) VALUES (%s, %s)", rcur.fetchall())
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


# quiet: rollback in except, re-raise, close in finally (seed example 1).
def rename_user(user_id, name):
    db = SessionLocal()
    try:
        db.execute(update(User).where(User.id == user_id).values(name=name))
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        raise
    finally:
        db.close()


# quiet: try/except/else/finally, every path closes once.
def upsert_setting(key, value):
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO settings (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, value),
            )
    except psycopg2.IntegrityError:
        conn.rollback()
        return False
    else:
        conn.commit()
        return True
    finally:
        conn.close()


# quiet: raising inside the with block; the with closes the session.
@app.delete("/projects/{project_id}")
def delete_project(project_id: int):
    with Session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise HTTPException(status_code=404)
        session.delete(project)
        session.commit()
    return {"deleted": project_id}


# quiet: nothing that can raise between the acquisition and the try.
def mark_unpaid(invoice_id):
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE invoices SET paid = false WHERE id = %s", (invoice_id,))
        conn.commit()
    finally:
        pg_pool.putconn(conn)
