# SL103 release-skipped in a context manager's exit: `__exit__` is the
# release path of every `with` over the class, and a close() that comes
# after a commit (or a flush, or an execute) with no try/finally between is
# skipped whenever that call raises: a flush error, a constraint, a
# serialization failure.  The connection stays checked out.
# Convention: the finding is on the close() the raise skips.
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession as BaseAsyncSession
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session as BaseSession
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")


# Bad: a Session subclass that commits on a clean exit, then closes.
class Session(BaseSession):
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type:
            self.rollback()
        else:
            self.commit()
        self.close()  # expect: SL103 "is skipped when `self.commit()`"


SessionLocal = sessionmaker(bind=engine, class_=Session)
AsyncSessionLocal = async_sessionmaker(async_engine)


# Bad: a unit of work holding its session in an attribute, async.
class UnitOfWork:
    async def __aenter__(self):
        self.session = AsyncSessionLocal()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.session.commit()
        await self.session.close()  # expect: SL103 "`self.session.close()` in `__aexit__`"


# Quiet: the close in a finally.
class SafeSession(BaseSession):
    def __exit__(self, exc_type, exc_val, exc_tb):
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()


# Quiet: the commit guarded by its own try that rolls back and goes on.
class GuardedUnitOfWork:
    async def __aenter__(self):
        self.session = AsyncSessionLocal()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        try:
            await self.session.commit()
        except Exception:
            await self.session.rollback()
            raise
        finally:
            await self.session.close()


# Quiet: nothing before the close can raise.
class ClosingOnly(BaseAsyncSession):
    async def __aexit__(self, exc_type, exc, tb):
        await self.close()
