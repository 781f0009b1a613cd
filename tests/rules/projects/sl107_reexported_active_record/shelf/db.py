# Sessions made on an engine the application keeps on request.state (its
# lifespan's state): the engine is not seen, the session class is.
from fastapi import Request

from shelf.core.sessions import AsyncSession, async_sessionmaker


async def request_session(request: Request):
    async with AsyncSession(request.state.engine) as session:
        yield session


async def keeping_session(request: Request):
    async with AsyncSession(request.state.engine, expire_on_commit=False) as session:
        yield session


def keeping_maker(engine):
    return async_sessionmaker(engine, expire_on_commit=False)
