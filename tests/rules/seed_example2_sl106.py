# select: SL106
# Seed example 2 again, checked with --select SL106: the close in finally is
# followed by a second close, the end of the `async with` around it: the
# finding is on the async with statement (the second release).
import asyncio
from contextlib import asynccontextmanager
from sqlalchemy.ext.asyncio import create_async_engine, AsyncSession
from sqlalchemy.orm import sessionmaker
DATABASE_URL = "cockroachdb+async://username:password@host:26257/dbname?sslmode=require"
engine = create_async_engine(DATABASE_URL, echo=False)
AsyncSessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
@asynccontextmanager
async def get_async_db():
    async with AsyncSessionLocal() as session:  # expect: SL106
        try:
            yield session
            await session.commit()
        except Exception:
            await session.rollback()
            raise
        finally:
            await session.close()
async def fetch_items():
    async with get_async_db() as db:
        result = await db.execute("SELECT * FROM items")
        return result.fetchall()
