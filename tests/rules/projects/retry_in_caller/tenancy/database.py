# SL401 follows the retry where the project puts it: a transaction helper
# (a context manager) whose caller runs it in a loop that catches the
# serialization failure commits inside a retry.  A transaction that only
# changes the schema is set-up work, not contended writes.  A failure the
# code catches and does not raise again is a write silently dropped.
import asyncio
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("cockroachdb+asyncpg://app@crdb:26257/app")


class Database:
    def __init__(self):
        self.sessions = async_sessionmaker(engine)

    # quiet: run_retryable runs it on every attempt
    @asynccontextmanager
    async def transaction(self, tenant):
        async with self.sessions() as session, session.begin():
            await session.execute(text("SET app.tenant = :t"), {"t": tenant})
            yield session

    async def run_retryable(self, tenant, work, attempts=5):
        for attempt in range(attempts):
            try:
                async with self.transaction(tenant) as session:
                    return await work(session)
            except DBAPIError as error:
                if getattr(error.orig, "sqlstate", None) != "40001":
                    raise
                await asyncio.sleep(0.01 * 2**attempt)
        raise RuntimeError("retries exhausted")

    # quiet: a schema-only transaction
    async def migrate(self):
        async with self.sessions() as session:
            await session.execute(text("CREATE TABLE IF NOT EXISTS audit (id INT PRIMARY KEY)"))
            for table in ("audit", "events"):
                await session.execute(text(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS at TIMESTAMP"))
            await session.commit()

    # bad: the failure is caught and printed: the write is dropped
    async def record(self, event):
        async with self.sessions() as session:
            try:
                await session.execute(text("INSERT INTO audit VALUES (:e)"), {"e": event})
                await session.commit()  # expect: SL401 "the write is silently dropped"
            except Exception as e:
                print(f"could not record {event}: {e}")
