# A function that takes an optional session and makes its own when none is
# given keeps the answer in a flag (`owns = session is None`) and closes
# only what it made.  The flag and the None test go together: the session
# is made on exactly the paths where the flag is true.  A flag of the wrong
# polarity closes the caller's session and leaks its own.
import asyncio
from typing import Optional

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@localhost/app")
ASession = async_sessionmaker(aengine)


# quiet: made and closed under the same test
def expire_dismissals(session: Optional[Session] = None) -> None:
    owns_session = session is None
    if session is None:
        session = SessionLocal()
    try:
        session.execute(text("UPDATE alert SET dismissed = false WHERE until < now()"))
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        if owns_session:
            session.close()


# quiet: the flag spelt with `not`, the test with `is not None`
async def record_run(run_id: int, session: Optional[AsyncSession] = None) -> None:
    borrowed: bool = session is not None
    if session is None:
        session = ASession()
    try:
        await session.execute(text("UPDATE run SET done = true WHERE id = :i"), {"i": run_id})
        await session.commit()
    finally:
        if not borrowed:
            await session.close()


def prune(session: Optional[Session] = None) -> None:
    owns = session is not None  # the wrong way round
    if session is None:
        session = SessionLocal()  # expect: SL103
    try:
        session.execute(text("DELETE FROM log"))
        session.commit()
    finally:
        if owns:
            session.close()


async def main() -> None:
    await asyncio.gather(record_run(1), record_run(2))
