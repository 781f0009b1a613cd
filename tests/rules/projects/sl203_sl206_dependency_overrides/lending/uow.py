from sqlalchemy.ext.asyncio import AsyncSession

from lending.persistence.repos import LoanRepo, MemberRepo


class Ledger:
    """One session for the request; the repositories share it."""

    def __init__(self, session: AsyncSession):
        self.session = session
        self.loans = LoanRepo(session)
        self.members = MemberRepo(session=session, region="eu")
