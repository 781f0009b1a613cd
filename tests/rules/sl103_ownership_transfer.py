# Ownership across calls.  A function that returns a fresh resource is a
# factory: it is quiet, and its caller owns the result (SL103 on the call
# when the caller drops or leaks it).  A function that releases its
# parameter takes ownership from its caller.  A function that only uses its
# parameter leaves ownership with the caller.
import os
from contextlib import contextmanager

import asyncpg
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.models import Profile
from app.views import render

DSN = os.environ["DATABASE_DSN"]
REPLICA_DSN = os.environ["REPLICA_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)


# quiet: a factory; the caller owns the session.
def open_session() -> Session:
    return SessionLocal()


# quiet: a factory that configures the connection without a call that can
# raise (an attribute store) before handing it over.
def connect_readonly():
    conn = psycopg2.connect(REPLICA_DSN)
    conn.readonly = True
    return conn


# a factory whose setup statement can raise: the connection leaks before
# the caller gets it.
def connect_with_timeout(ms):
    conn = psycopg2.connect(DSN)  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SET statement_timeout = %s", (ms,))
    return conn


# quiet: the same factory, closing the connection when the setup fails.
def connect_utc():
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
    except BaseException:
        conn.close()
        raise
    return conn


# the factory's result is used once and dropped.
def ping_database():
    open_session().execute(text("SELECT 1"))  # expect: SL103


# the factory's result is never closed.
def count_tables():
    db = open_session()  # expect: SL103
    return db.scalar(text("SELECT count(*) FROM information_schema.tables"))


# the factory's connection is closed on the normal path only.
def replica_now():
    conn = connect_readonly()  # expect: SL103
    with conn.cursor() as cur:
        cur.execute("SELECT now()")
        now = cur.fetchone()[0]
    conn.close()
    return now


# quiet: the caller closes the factory's result in finally.
def count_users():
    db = open_session()
    try:
        return db.scalar(text("SELECT count(*) FROM users"))
    finally:
        db.close()


# quiet: the caller closes the factory's result with with.
def count_groups():
    with open_session() as db:
        return db.scalar(text("SELECT count(*) FROM groups"))


# quiet: a factory of a factory; ownership passes through both returns.
def open_reporting_session():
    session = open_session()
    session.info["purpose"] = "reporting"
    return session


def load_profile(db, user_id):
    return db.get(Profile, user_id)


# load_profile only uses its parameter: the caller still owns the session
# and never closes it.
def profile_page(user_id):
    db = SessionLocal()  # expect: SL103
    profile = load_profile(db, user_id)
    return render(profile)


def close_quietly(conn):
    try:
        conn.close()
    except Exception:
        pass


# quiet: close_quietly releases its parameter; calling it in finally is the
# release.
def probe_server():
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version()")
            return cur.fetchone()[0]
    finally:
        close_quietly(conn)


# the connection is used after the helper released it.
def probe_and_log():
    conn = psycopg2.connect(DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version()")
            version = cur.fetchone()[0]
    finally:
        close_quietly(conn)
    with conn.cursor() as cur:  # expect: SL102
        cur.execute("INSERT INTO probes (version) VALUES (%s)", (version,))
    return version


# quiet: an async factory.
async def get_connection():
    return await asyncpg.connect(DSN)


# the async factory's connection is closed outside finally.
async def fetch_flags():
    conn = await get_connection()  # expect: SL103
    rows = await conn.fetch("SELECT name, on_off FROM flags")
    await conn.close()
    return dict(rows)


# quiet: the connection goes out inside a dict; the caller owns it.
def connect_tagged(tag):
    conn = psycopg2.connect(DSN)
    return {"conn": conn, "tag": tag}


@contextmanager
def read_only_session():
    with SessionLocal() as db:
        db.connection(execution_options={"postgresql_readonly": True})
        yield db


# quiet: a session borrowed from a context manager provider.
def list_profiles():
    with read_only_session() as db:
        return db.scalars(text("SELECT id FROM profiles")).all()
