# SL202 through asyncio.shield: the shielded work may outlive the awaiting
# task's cancellation, so what it uses after the enclosing with block
# releases the session is a use after release.  Trap: a shielded clean-up
# that is handed the session to release it (a helper that closes its
# parameter): the hand-over is the release, not a later use.
import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

logger = logging.getLogger(__name__)
maker = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))


async def audit(session: AsyncSession, what: str) -> None:
    await session.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})
    await session.commit()


class Discarder:
    @staticmethod
    async def discard(session: AsyncSession) -> None:
        await session.close()


async def shielded_audit(what: str):
    async with maker() as session:
        await asyncio.shield(audit(session, what))  # expect: SL202


async def shielded_cleanup(helper: Discarder):
    async with maker() as session:
        try:
            await session.execute(text("SELECT 1"))
        except asyncio.CancelledError:
            await asyncio.shield(helper.discard(session))
            raise
