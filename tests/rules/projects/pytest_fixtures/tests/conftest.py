import pytest
import pytest_asyncio
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

Factory = sessionmaker(bind=create_engine("postgresql+psycopg2://test@db/test"))
AsyncFactory = async_sessionmaker(create_async_engine("postgresql+asyncpg://test@db/test"))


@pytest.fixture
def db_session():
    with Factory() as session:
        yield session


@pytest_asyncio.fixture(name="adb")
async def async_session_fixture():
    async with AsyncFactory() as session:
        yield session
