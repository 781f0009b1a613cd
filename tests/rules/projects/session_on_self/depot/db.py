from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
Sessions = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncSessions = async_sessionmaker(aengine, expire_on_commit=False)


async def get_async_db():
    async with AsyncSessions() as db:
        yield db


def get_db():
    with Sessions() as db:
        yield db
