from sqlalchemy.ext.asyncio import AsyncSession


class SqlRepo:
    def __init__(self, session: AsyncSession):
        self._db = session
