from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from .models import Crate, Warehouse


class Shipping:
    def __init__(self, session: Session):
        self.session = session

    def _crate(self, crate_id: int) -> Crate:
        crate = self.session.get(Crate, crate_id)
        if crate is None:
            raise LookupError(crate_id)
        return crate

    def _settle(self) -> None:
        self.session.commit()

    def _note(self, text: str) -> str:
        return text.strip()

    def ship(self, crate_id: int) -> int:
        crate = self._crate(crate_id)
        with self.session.begin():  # expect: SL305 "`_crate` (called on line 25) left it in one"
            crate.weight -= 1
        return crate.weight

    def ship_direct(self, crate_id: int) -> None:
        crate = self.session.get(Crate, crate_id)
        with self.session.begin():  # expect: SL305 "`self.session.get()` on line 31"
            crate.weight = 0

    # quiet: a commit ends the transaction the load began
    def ship_after_commit(self, crate_id: int) -> None:
        crate = self._crate(crate_id)
        weight = crate.weight
        self._settle()
        with self.session.begin():
            self.session.get(Crate, crate_id).weight = weight - 1

    # quiet: a method that does nothing to the session leaves it as it was
    def ship_first(self, crate_id: int, note: str) -> None:
        self._note(note)
        with self.session.begin():
            self.session.get(Crate, crate_id).weight = 0

    # quiet: self.session is another session after the assignment
    def ship_fresh(self, crate_id: int, factory) -> None:
        self._crate(crate_id)
        self.session = factory()
        with self.session.begin():
            self.session.get(Crate, crate_id).weight = 0

    # quiet: a savepoint is what nests
    def ship_nested(self, crate_id: int) -> None:
        crate = self._crate(crate_id)
        with self.session.begin_nested():
            crate.weight = 0


class Tracking:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def city_of(self, crate_id: int) -> str:
        crate = await self.session.get(Crate, crate_id)
        return crate.warehouse.city  # expect: SL107 "read for `warehouse`"

    # quiet: the query loads the relationship
    async def city_loaded(self, crate_id: int) -> str:
        result = await self.session.execute(
            select(Crate).options(selectinload(Crate.warehouse)).where(Crate.id == crate_id)
        )
        return result.scalars().one().warehouse.city

    # quiet: declared eager (lazy="joined")
    async def city_eager(self, crate_id: int) -> str:
        crate = await self.session.get(Crate, crate_id)
        return crate.eager_warehouse.city

    # quiet: awaited through awaitable_attrs
    async def city_awaited(self, crate_id: int) -> str:
        crate = await self.session.get(Crate, crate_id)
        warehouse = await crate.awaitable_attrs.warehouse
        return warehouse.city


class SyncTracking:
    def __init__(self, session: Session):
        self.session = session

    # quiet: a sync session loads on the read (no await needed)
    def city_of(self, crate_id: int) -> str:
        crate = self.session.get(Crate, crate_id)
        return crate.warehouse.city


async def city_helper(db: AsyncSession, crate_id: int) -> str:
    crate = await db.get(Crate, crate_id)
    return crate.warehouse.city  # expect: SL107 "read for `warehouse`"


# quiet: the caller handed a crate it loaded: its warehouse may be in the identity map
async def city_beside(db: AsyncSession, crate_id: int, other: Crate) -> str:
    crate = await db.get(Crate, crate_id)
    return crate.warehouse.city


async def warm(db: AsyncSession) -> None:
    await db.execute(select(Crate.id))


# quiet: a helper handed the session first may have loaded the warehouse
async def city_after_helper(db: AsyncSession, crate_id: int) -> str:
    await warm(db)
    crate = await db.get(Crate, crate_id)
    return crate.warehouse.city


# quiet: a warehouse loaded first is in the identity map
async def city_second_load(db: AsyncSession, crate_id: int, warehouse_id: int) -> str:
    home = await db.get(Warehouse, warehouse_id)
    crate = await db.get(Crate, crate_id)
    return crate.warehouse.city + home.city
