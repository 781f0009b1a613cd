# A helper that invalidates what it is handed (`session.invalidate()`,
# `conn.invalidate()`: the connection is dropped, not given back dirty)
# releases it, as close() would, also inside a try whose except only logs a
# failure of the invalidation: on the normal path it happened.
# Bad: a helper that invalidates another of its parameters (a cache) and
# only uses the session; a helper that never reaches the invalidation on a
# normal path (it returns first when the session is idle).
# Quiet: the session handed to such a helper in a finally, and a connection
# handed to one in a shielded clean-up on cancellation (SL202).
import asyncio
import logging

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
SessionLocal = sessionmaker(create_engine("postgresql://app@db/app"))
aengine = create_async_engine("postgresql+asyncpg://app@db/app")


def drop(session: Session) -> None:
    try:
        session.invalidate()
    except Exception:
        log.warning("could not invalidate the session")


def forget(cache, session: Session) -> None:
    try:
        cache.invalidate()
    except Exception:
        log.warning("could not clear the cache")
    session.execute(text("SELECT 1"))


def drop_if_busy(session: Session) -> None:
    if not session.in_transaction():
        return
    session.invalidate()


async def discard(conn: AsyncConnection) -> None:
    try:
        await conn.invalidate()
    except Exception:
        log.exception("could not invalidate the connection")


def purge(table: str) -> None:
    session = SessionLocal()
    try:
        session.execute(text("DELETE FROM staging"))
    finally:
        drop(session)


def purge_cached(cache, table: str) -> None:
    session = SessionLocal()  # expect: SL103
    session.execute(text("DELETE FROM staging"))
    forget(cache, session)


def purge_if_busy(table: str) -> None:
    session = SessionLocal()  # expect: SL103
    session.execute(text("DELETE FROM staging"))
    drop_if_busy(session)


async def copy_rows():
    async with aengine.connect() as conn:
        try:
            await conn.execute(text("INSERT INTO copy SELECT * FROM rows"))
            await conn.commit()
        except asyncio.CancelledError:
            await asyncio.shield(discard(conn))
            raise
