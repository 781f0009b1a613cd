from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("postgresql+asyncpg://shop@db/shop")
SessionMaker = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Audited:
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                               onupdate=func.now())


async def get_session():
    async with SessionMaker() as session:
        yield session
