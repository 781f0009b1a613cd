import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(os.environ["DATABASE_URL"])
Factory = async_sessionmaker(engine)


async def open_session():
    async with Factory() as session:
        yield session


async def page_numbers(n: int):
    for i in range(n):
        yield i
