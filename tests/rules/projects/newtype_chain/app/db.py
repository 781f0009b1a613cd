# Session types as NewType aliases of each other (polar's read/write split):
# AsyncSession is a NewType of AsyncReadSession, itself one of SQLAlchemy's.
from typing import NewType

from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession

AsyncReadSession = NewType("AsyncReadSession", _AsyncSession)
AsyncSession = NewType("AsyncSession", AsyncReadSession)
