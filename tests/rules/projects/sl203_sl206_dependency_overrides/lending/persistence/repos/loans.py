from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lending.persistence.repos.base import SqlRepo


class LoanRepo(SqlRepo):
    async def overdue_for(self, member_id: int):
        rows = await self._db.execute(
            text("SELECT id FROM loans WHERE member_id = :m AND due < now()"), {"m": member_id}
        )
        return rows.scalars().all()


class MemberRepo(SqlRepo):
    def __init__(self, session: AsyncSession, region: str = "eu"):
        super().__init__(session=session)
        self._region = region

    async def get(self, member_id: int):
        rows = await self._db.execute(text("SELECT * FROM members WHERE id = :m"), {"m": member_id})
        return rows.first()
