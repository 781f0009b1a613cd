# args: --sqlalchemy-version 1.4
# SL302 on SQLAlchemy 1.4: a connection of an engine made without
# future=True commits a write by itself (library-level autocommit), so the
# plain engine is quiet; a future=True engine and an async engine behave as
# 2.0 does, and a write there that nothing commits is rolled back at the
# end of the block.
# (Line 1 is run.py's `# args:` directive.)
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_engine("postgresql+psycopg2://app@db/app")
future_engine = create_engine("postgresql+psycopg2://app@db/app", future=True)
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")


# Quiet: autocommit commits the UPDATE.
def close_issue(issue_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})


def close_issue_future(issue_id: int) -> None:
    with future_engine.connect() as conn:
        conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})  # expect: SL302


async def close_issue_async(issue_id: int) -> None:
    async with async_engine.connect() as conn:
        await conn.execute(text("UPDATE issue SET closed = true WHERE id = :id"), {"id": issue_id})  # expect: SL302
