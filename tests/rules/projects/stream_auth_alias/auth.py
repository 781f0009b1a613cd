# The auth dependency and its Annotated alias live in their own module;
# endpoints import the alias.  The lookup's SELECT begins a transaction on
# the request's cached session, and nothing ends it before the response.
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from sqlalchemy import Column, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import declarative_base

engine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    api_key = Column(String)


async def get_session():
    async with SessionLocal() as session:
        yield session


async def get_current_user(session: Annotated[AsyncSession, Depends(get_session)],
                           x_api_key: str = Header()) -> User:
    user = (await session.scalars(select(User).where(User.api_key == x_api_key))).first()
    if user is None:
        raise HTTPException(status_code=401)
    return user


async def get_current_user_released(x_api_key: str = Header()) -> User:
    async with SessionLocal() as session:  # its own session, closed before the endpoint runs
        user = (await session.scalars(select(User).where(User.api_key == x_api_key))).first()
    if user is None:
        raise HTTPException(status_code=401)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
ReleasedUser = Annotated[User, Depends(get_current_user_released)]
