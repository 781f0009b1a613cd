# Queries of the project, in a module of their own: a helper handed the
# session, and a service object whose methods take it.
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Payment


async def find_payment(session: AsyncSession, charge_id: str):
    return await session.scalar(select(Payment).where(Payment.charge_id == charge_id))


def describe(charge_id: str) -> str:
    return f"payment {charge_id}"


class PaymentService:
    async def by_charge(self, session: AsyncSession, charge_id: str):
        return await find_payment(session, charge_id)

    @staticmethod
    async def reload(session: AsyncSession, charge_id: str):
        await session.rollback()
        return await find_payment(session, charge_id)


payments = PaymentService()
