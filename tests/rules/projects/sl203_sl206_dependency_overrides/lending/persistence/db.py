from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from lending.uow import Ledger

engine = create_async_engine("postgresql+asyncpg://lending@db/lending", pool_size=5)
Maker = async_sessionmaker(engine, expire_on_commit=False)


def ledger_provider(maker):
    async def provide_ledger():
        async with maker() as session:
            yield Ledger(session)

    return provide_ledger


def catalog_provider(maker):
    async def provide_catalog():
        async with maker() as session:
            yield session

    return provide_catalog


async def ledger_session():
    async with Maker() as session:
        yield Ledger(session)
