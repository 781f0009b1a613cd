# The library's session classes, imported here and used by the project
# only through this module and shelf.db (two re-exports deep).
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

__all__ = ["AsyncEngine", "AsyncSession", "async_sessionmaker"]
