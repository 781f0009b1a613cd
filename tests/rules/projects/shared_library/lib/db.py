# A package of database helpers that several services import; no endpoint
# lives here.
import os
from functools import cache

import psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
Factory = sessionmaker(bind=engine)

# shared by every caller of audit_count, in any thread
audit_session = Factory()  # expect: SL201

# quiet: nothing reads it in a function (a REPL convenience)
repl_session = Factory()


def audit_count() -> int:
    return audit_session.execute(text("SELECT count(*) FROM audit")).scalar_one()


# one connection for every call that takes the default
def lookup(key: str, conn=psycopg2.connect(os.environ["DSN"])):  # expect: SL201
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM settings WHERE key = %s", (key,))
        return cur.fetchone()


@cache
def shared_session() -> Session:
    return Session(engine)  # expect: SL201


@cache
def shared_factory() -> sessionmaker:
    return sessionmaker(bind=engine)  # quiet: a factory is made to be shared


# a provider for the services: nothing in this package names it
def session_dependency():
    with Factory.begin() as session:  # expect: SL204
        yield session


# quiet: a generator that this package drives itself with next()
def session_stream():
    session = Factory()
    try:
        yield session
        session.commit()
    finally:
        session.close()


def first_session():
    gen = session_stream()
    db = next(gen)
    try:
        return db.execute(text("SELECT 1")).scalar_one()
    finally:
        gen.close()


# quiet: yields rows, not a session
def batches(db: Session):
    while rows := db.execute(text("SELECT id FROM jobs LIMIT 10")).all():
        yield rows
        db.commit()


registry = scoped_session(Factory)
