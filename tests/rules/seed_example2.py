# Seed example 2 ("Explicit session scoping with async context"), as the
# seed document gives it, with its indentation restored.  The session is
# closed in finally inside an `async with` that closes it again: a
# redundant, harmless second close (SL106, off by default; the same code is
# checked with --select SL106 in seed_example2_sl106.py), so nothing of the
# SL1 family is reported here.  The driver `cockroachdb+async` is not one
# the dialect registers (SL403; its password is a placeholder), execute()
# gets a plain string (SL301), and the URL makes this a CockroachDB
# project, where the provider's commit has no retry on serialization
# failures (SL401).
import asyncio
from contextlib import asynccontextmanager
from sqlalchemy.ext.asyncio import create_async_engine, AsyncSession
from sqlalchemy.orm import sessionmaker
DATABASE_URL = "cockroachdb+async://username:password@host:26257/dbname?sslmode=require"  # expect: SL403
engine = create_async_engine(DATABASE_URL, echo=False)
AsyncSessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
@asynccontextmanager
async def get_async_db():
    async with AsyncSessionLocal() as session:
        try:
            yield session
            await session.commit()  # expect: SL401
        except Exception:
            await session.rollback()
            raise
        finally:
            await session.close()
async def fetch_items():
    async with get_async_db() as db:
        result = await db.execute("SELECT * FROM items")  # expect: SL301
        return result.fetchall()
