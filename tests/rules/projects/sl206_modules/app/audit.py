# A helper that writes through a session of its own, from the shared maker.
from sqlalchemy import text

from app import db


async def record(event: str) -> None:
    async with db.SessionLocal() as session:
        await session.execute(text("INSERT INTO audit (event) VALUES (:e)"), {"e": event})
        await session.commit()
