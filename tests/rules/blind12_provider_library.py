# Blind cases for issue 12, point 6 (last part): a library of FastAPI
# providers that no endpoint in the analyzed files names.  Services import
# `get_db` / `get_async_db` from this package and write
# `Depends(get_db)`; the package itself has no endpoint.  A generator that
# yields a session and commits after its yield is such a provider: with the
# newest FastAPI (no version here) that commit runs after the response, SL204
# on the commit or on the `begin()` block around the yield.
#
# Quiet: a @contextmanager session scope for scripts and workers (a with
# block, not a dependency), a provider that only closes, and a generator that
# yields rows, not a session, and commits between batches.
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"], pool_pre_ping=True)
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)

__all__ = ["get_db", "get_async_db", "get_tx_db", "get_readonly_db", "session_scope"]


def get_db() -> Iterator[Session]:
    """FastAPI dependency: a session per request, committed when the request succeeds."""
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


async def get_async_db() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: an async session inside one transaction per request."""
    async with AsyncSessionLocal() as session:
        async with session.begin():  # expect: SL204
            yield session


def get_tx_db() -> Iterator[Session]:
    with SessionLocal.begin() as db:  # expect: SL204
        yield db


def get_readonly_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@contextmanager
def session_scope() -> Iterator[Session]:
    """For scripts and workers: `with session_scope() as s: ...` commits on success."""
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def iter_pending_jobs(db: Session, batch: int = 100) -> Iterator[tuple]:
    """Yields pending jobs in batches and marks each batch taken."""
    while True:
        rows = db.execute(
            text("SELECT id, kind FROM jobs WHERE state = 'pending' ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"),
            {"n": batch},
        ).all()
        if not rows:
            return
        yield from rows
        db.execute(text("UPDATE jobs SET state = 'taken' WHERE id = ANY(:ids)"), {"ids": [r.id for r in rows]})
        db.commit()


def count_pending(db: Session) -> int:
    return db.execute(text("SELECT count(*) FROM jobs WHERE state = 'pending'")).scalar_one()
