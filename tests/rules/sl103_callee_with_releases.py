# A helper that releases what it is handed with `with x:` / `async with x:`
# (or an ExitStack it enters it on) releases it as surely as one that calls
# close() in a finally, when the caller's kind is one whose with block
# closes it: a Session, an AsyncSession, a SQLAlchemy Connection, a
# psycopg 3 connection.  A psycopg2 connection's `with conn:` only ends the
# transaction, and `with s.begin():` only the session's transaction: the
# caller still owes the close.  Helpers that hand it on to such a helper
# release it too.
import contextlib

import psycopg
import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://app@db/app")
SessionLocal = sessionmaker(engine)
AsyncSessionLocal = async_sessionmaker()


def purge(session, days):
    with session:
        session.execute(text("DELETE FROM events WHERE age > :d"), {"d": days})
        session.commit()


async def archive(session, day):
    async with session:
        await session.execute(text("INSERT INTO archive SELECT * FROM events WHERE day = :d"), {"d": day})
        await session.commit()


def copy_rows(conn, rows):
    with conn:
        conn.execute("INSERT INTO t VALUES (%s)", rows)


def in_stack(conn, rows):
    with contextlib.ExitStack() as stack:
        stack.enter_context(conn)
        conn.execute(text("INSERT INTO t VALUES (:r)"), {"r": rows})


def relay(session, days):
    purge(session, days)


def copy_relayed(conn, rows):
    copy_rows(conn, rows)


def only_in_transaction(session, days):
    with session.begin():
        session.execute(text("DELETE FROM events WHERE age > :d"), {"d": days})


# quiet: purge's with closes the session
def nightly():
    session = SessionLocal()
    purge(session, 30)


# quiet: archive's async with closes it
async def nightly_archive(day):
    session = AsyncSessionLocal()
    await archive(session, day)


# quiet: a psycopg 3 connection's with block closes it
def load_v3(rows):
    conn = psycopg.connect("dbname=app")
    copy_rows(conn, rows)


# quiet: the ExitStack the helper made closes the Connection when its block ends
def load_stacked(rows):
    conn = engine.connect()
    in_stack(conn, rows)


# quiet: relay hands it to purge, which closes it
def nightly_relayed():
    session = SessionLocal()
    relay(session, 30)


def load_v2(rows):
    conn = psycopg2.connect("dbname=app")  # expect: SL103
    copy_rows(conn, rows)


def nightly_in_transaction():
    session = SessionLocal()  # expect: SL103
    only_in_transaction(session, 30)


# the relay passes the helper's with on: a psycopg2 connection is still open after it
def load_v2_relayed(rows):
    conn = psycopg2.connect("dbname=app")  # expect: SL103
    copy_relayed(conn, rows)


# quiet: the same relay closes a psycopg 3 connection
def load_v3_relayed(rows):
    conn = psycopg.connect("dbname=app")
    copy_relayed(conn, rows)
