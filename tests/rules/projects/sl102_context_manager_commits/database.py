# A project's own context managers lending sessions: one commits when its
# with block ends and then closes (the unit of work), one only closes, one
# commits with a factory that does not expire on commit.
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
KeepLocal = sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    session = SessionLocal()
    try:
        yield session
        session.commit()  # expires every object the block loaded
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()  # ... and detaches them


@contextmanager
def read_only() -> Iterator[Session]:
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


@contextmanager
def unit_of_work_keep() -> Iterator[Session]:
    session = KeepLocal()
    try:
        yield session
        session.commit()
    finally:
        session.close()
