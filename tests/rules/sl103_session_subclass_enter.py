# A subclass of Session / AsyncSession whose __enter__ / __aenter__ checks
# out a connection (a query, connection(), a helper that uses the session)
# and may then raise: `with` calls __exit__ only once __enter__ returned, so
# the session is never closed and its connection stays out of the pool.
# Quiet when the enter closes the session on its own failure, when nothing
# is checked out before what raises, and when nothing raises after it.
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_async_engine("postgresql+asyncpg://app@db/app")


async def apply_search_path(db: AsyncSession, schema: str) -> None:
    await db.execute(text("SELECT 1"))
    await db.execute(text(f"SET search_path TO {schema}"))


# Bad: a statement runs on the session, then a second one may fail.
class AuditedSession(AsyncSession):
    async def __aenter__(self):  # expect: SL103 "not closed if the call on line 23 raises"
        entered = await super().__aenter__()
        await entered.execute(text("SELECT 1"))
        await entered.execute(text("SET LOCAL statement_timeout = 5000"))
        return entered


# Bad: the connection is checked out by a helper that goes on with statements.
class SchemaSession(AsyncSession):
    schema = "tenant"

    async def __aenter__(self):  # expect: SL103
        await apply_search_path(self, self.schema)
        return self


# Bad: a subclass of the project's subclass, made by a sessionmaker's class_.
class ReportingSession(SchemaSession):
    async def __aenter__(self):  # expect: SL103
        await self.connection()
        await self.execute(text("SET TRANSACTION READ ONLY"))
        return self


ReportingLocal = async_sessionmaker(engine, class_=ReportingSession)


# Quiet: the enter closes the session when its own set-up fails.
class GuardedSession(AsyncSession):
    async def __aenter__(self):
        entered = await super().__aenter__()
        try:
            await entered.connection()
            await entered.execute(text("SET LOCAL lock_timeout = 1000"))
        except BaseException:
            await entered.close()
            raise
        return entered


# Quiet: what may raise comes before anything is checked out.
class CheckedSession(AsyncSession):
    async def __aenter__(self):
        if self.info.get("closed"):
            raise RuntimeError("session reused")
        return await super().__aenter__()


# Quiet: the statements run in a transaction block, whose rollback on the way
# out gives the connection back before the exception leaves the enter.
class BlockSession(AsyncSession):
    async def __aenter__(self):
        async with self.begin():
            await self.execute(text("SET LOCAL search_path TO audit"))
            await self.execute(text("SELECT 1"))
        return self


# Quiet: a plain object (not a session) whose enter runs a statement on one it was given.
class Prober:
    def __init__(self, db: AsyncSession):
        self.db = db

    async def __aenter__(self):
        await self.db.execute(text("SELECT 1"))
        await self.db.execute(text("SELECT 2"))
        return self

    async def __aexit__(self, *exc):
        return None


# Bad: the sync form, a Session subclass's __enter__.
class ReplicaSession(Session):
    def __enter__(self):  # expect: SL103
        self.execute(text("SET TRANSACTION READ ONLY"))
        self.execute(text("SET LOCAL statement_timeout = 2000"))
        return self


# Quiet: the sync form closing on failure.
class SafeReplicaSession(Session):
    def __enter__(self):
        try:
            self.execute(text("SET TRANSACTION READ ONLY"))
            self.execute(text("SET LOCAL statement_timeout = 2000"))
        except Exception:
            self.close()
            raise
        return self


ReplicaLocal = sessionmaker(class_=ReplicaSession)


def read_one():
    with ReplicaLocal() as s:
        return s.execute(text("SELECT 1")).scalar()
