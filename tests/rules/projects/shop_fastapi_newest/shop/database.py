# An async provider that commits after its yield: on FastAPI >= 0.118 that
# code runs after the response is sent.  A module-level session that the
# routes import is shared by every request.
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://shop@localhost/shop")
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)

reporting_session = SessionFactory()  # expect: SL201


async def get_session():
    async with SessionFactory() as session:
        yield session
        await session.commit()  # expect: SL204


async def get_session_function_scope():
    async with SessionFactory() as session:
        yield session
        await session.commit()


async def get_read_session():
    async with SessionFactory() as session:
        yield session
        await session.rollback()
