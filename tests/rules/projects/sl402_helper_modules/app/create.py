# SL402 through calls into another module: after the failed flush the
# session refuses every statement until rollback(), also the one a helper
# or a service method runs for the handler.
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import repo
from app.models import Payment
from app.repo import describe, find_payment, payments


# Bad: the imported helper queries the failed session.
async def create(session: AsyncSession, charge_id: str):
    session.add(Payment(charge_id=charge_id))
    try:
        await session.flush()
    except IntegrityError:
        return await find_payment(session, charge_id)  # expect: SL402


# Bad: the service's method hands it on to the helper (two calls deep).
async def create_via_service(session: AsyncSession, charge_id: str):
    session.add(Payment(charge_id=charge_id))
    try:
        await session.flush()
    except IntegrityError:
        existing = await payments.by_charge(session, charge_id)  # expect: SL402
        if existing is None:
            raise
        return existing


# Bad: the helper named through its module.
async def create_via_module(session: AsyncSession, charge_id: str):
    session.add(Payment(charge_id=charge_id))
    try:
        await session.flush()
    except IntegrityError:
        return await repo.find_payment(session, charge_id)  # expect: SL402


# Quiet: the static method rolls back before its query.
async def create_reloading(session: AsyncSession, charge_id: str):
    session.add(Payment(charge_id=charge_id))
    try:
        await session.flush()
    except IntegrityError:
        return await payments.reload(session, charge_id)


# Quiet: the helper called does no SQL.
async def create_logged(session: AsyncSession, charge_id: str):
    session.add(Payment(charge_id=charge_id))
    try:
        await session.flush()
    except IntegrityError as e:
        raise ValueError(describe(charge_id)) from e
