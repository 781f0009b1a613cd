from sqlalchemy import text

from ledger.models import EventSession, events_engine


async def replay_missing() -> None:
    async with EventSession() as session:
        await session.execute(text("SELECT replay_missing()"))
        await session.commit()


async def shutdown_events() -> None:
    await events_engine.dispose()
