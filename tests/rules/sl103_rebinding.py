# SL103 by rebinding: assigning a new resource to the name that holds an
# unreleased one loses the first.  The dataflow follows resources, not
# names: a release after the rebinding releases only the second.  Reported
# on the acquisition of the lost one.
import os

import psycopg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from app.models import User

DSN = os.environ["DATABASE_DSN"]
REPLICA_DSN = os.environ["REPLICA_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
pg_pool = ThreadedConnectionPool(1, 20, DSN)


# a second session replaces the first, which is never closed.
def migrate_user(user_id):
    db = SessionLocal()  # expect: SL103
    user = db.get(User, user_id)
    db = SessionLocal()
    try:
        db.merge(user)
        db.commit()
    finally:
        db.close()


# a closed connection is still checked out of the pool: getting another
# one without putconn(conn, close=True) leaks the pool slot.
def refresh_tokens():
    conn = pg_pool.getconn()  # expect: SL103
    if conn.closed:
        conn = pg_pool.getconn()  # expect: SL206
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE tokens SET refreshed_at = now()")
        conn.commit()
    finally:
        pg_pool.putconn(conn)


# reconnecting in the except handler drops the broken connection without
# closing it, and the new one is closed outside finally.
def run_report_query(query, params):
    conn = psycopg.connect(DSN)  # expect: SL103
    try:
        rows = conn.execute(query, params).fetchall()
    except psycopg.OperationalError:
        conn = psycopg.connect(DSN)  # expect: SL103
        rows = conn.execute(query, params).fetchall()
    conn.close()
    return rows


# the replica connection is replaced by a primary one on a branch.
def read_balance(account_id, fresh):
    conn = psycopg2.connect(REPLICA_DSN)  # expect: SL103
    if fresh:
        conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT cents FROM balances WHERE account_id = %s", (account_id,))
            return cur.fetchone()[0]
    finally:
        conn.close()


# quiet: the old connection is closed before the name is rebound.
def exec_with_reconnect(query):
    conn = psycopg.connect(DSN)
    try:
        try:
            return conn.execute(query).fetchall()
        except psycopg.OperationalError:
            conn.close()
            conn = psycopg.connect(DSN)
            return conn.execute(query).fetchall()
    finally:
        conn.close()


# quiet: the name is rebound to None after the release.
def user_exists(user_id):
    db = SessionLocal()
    try:
        found = db.get(User, user_id) is not None
    finally:
        db.close()
        db = None
    return found


# quiet: one of two connections is acquired into the same name, then
# closed once.
def read_balance_safely(account_id, fresh):
    if fresh:
        conn = psycopg2.connect(DSN)
    else:
        conn = psycopg2.connect(REPLICA_DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT cents FROM balances WHERE account_id = %s", (account_id,))
            return cur.fetchone()[0]
    finally:
        conn.close()


# quiet: the broken pooled connection goes back with close=True before a
# new one is taken.
def refresh_tokens_safely():
    conn = pg_pool.getconn()
    if conn.closed:
        pg_pool.putconn(conn, close=True)
        conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE tokens SET refreshed_at = now()")
        conn.commit()
    finally:
        pg_pool.putconn(conn)


# quiet for SL103: two names, two sessions, each closed by its own with
# (but two connections of one pool at once: SL206).
def copy_user(user_id):
    with SessionLocal() as src, SessionLocal() as dst:
        user = src.scalar(select(User).where(User.id == user_id))
        dst.merge(user)  # expect: SL206
        dst.commit()
