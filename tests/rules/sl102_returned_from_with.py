# A function that returns, from inside a `with` block, the resource that the
# block releases on the way out hands its caller a released resource: a
# closed session (whose next use checks out a connection nothing returns),
# a closed connection.  Reported at the return (the fix: return what was
# read, or let the caller open the block).
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)


@contextmanager
def org_session(slug: str):
    session = SessionLocal()
    try:
        yield session
        session.commit()
    finally:
        session.close()


class Subject(NamedTuple):
    slug: str
    db_session: Session


def resolve(slug: str):
    with org_session(slug) as session:
        if session.execute(text("SELECT 1")).scalar():
            return Subject(slug, db_session=session)  # expect: SL102 "the caller gets it closed"
    return None


def open_session():
    with SessionLocal() as session:
        return session  # expect: SL102


def open_pair():
    with engine.connect() as conn:
        return conn, 1  # expect: SL102 "is returned from inside the `with` block"


# Quiet: what is returned was read inside the block.
def count_users() -> int:
    with SessionLocal() as session:
        return session.execute(text("SELECT count(*) FROM users")).scalar_one()


# Quiet: a context manager that lends without closing (the caller's).
@contextmanager
def lend(session: Session):
    yield session


def passthrough(session: Session):
    with lend(session) as s:
        return s


# Quiet: returned after being taken out of a with that does not close it.
def begin_only(session: Session):
    with session.begin():
        session.execute(text("SELECT 1"))
    return session
