# A finally body that talks to the database before it releases: when the
# commit (or another statement) fails there, the close after it never runs.
import logging

from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)
engine = create_engine("postgresql+psycopg://app@db/app")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncSessionLocal = async_sessionmaker(async_engine)
pg_pool = ThreadedConnectionPool(1, 10, "dbname=app")


def is_member(team_id, email):
    db = SessionLocal()  # expect: SL103 "if the call on line 25 raises"
    try:
        row = db.execute(text("SELECT 1 FROM members WHERE team = :t AND email = :e"),
                         {"t": team_id, "e": email}).first()
        return row is not None
    finally:
        db.commit()  # ends the read-only transaction
        db.close()


async def touch_last_seen(user_id):
    session = AsyncSessionLocal()  # expect: SL103
    try:
        await session.execute(text("UPDATE users SET seen = now() WHERE id = :u"), {"u": user_id})
    finally:
        await session.commit()
        await session.close()


def record_visit(page):
    conn = pg_pool.getconn()  # expect: SL103
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO visits (page) VALUES (%s)", (page,))
    finally:
        conn.commit()
        pg_pool.putconn(conn)


# quiet: the fix, the commit nested in its own try.
def is_admin(email):
    db = SessionLocal()
    try:
        return db.execute(text("SELECT admin FROM users WHERE email = :e"), {"e": email}).scalar()
    finally:
        try:
            db.commit()
        finally:
            db.close()


# quiet: cleanup that is not a database call on the session (logging,
# untracking) before the close.
ACTIVE = set()


def count_orders():
    db = SessionLocal()
    ACTIVE.add(db)
    try:
        return db.execute(text("SELECT count(*) FROM orders")).scalar()
    finally:
        log.info("done counting")
        ACTIVE.discard(db)
        db.close()


# quiet: the with block closes the session whether the commit raises or not.
def rename(user_id, name):
    with SessionLocal() as db:
        try:
            db.execute(text("UPDATE users SET name = :n WHERE id = :u"), {"n": name, "u": user_id})
        finally:
            db.commit()


def get_db():
    db = SessionLocal()
    try:
        yield db
        db.commit()
    finally:
        db.close()


# the generator nothing keeps closes the session as soon as next() returns;
# the session opens again at its next use, and the commit that fails in the
# finally skips the close that would give that connection back.
def has_team(team_id):
    db = next(get_db())
    try:
        return db.execute(text("SELECT 1 FROM teams WHERE id = :t"), {"t": team_id}).first() is not None  # expect: SL102 "if the call on line 102 raises"
    finally:
        db.commit()
        db.close()
