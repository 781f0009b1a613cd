# A session two objects deep: a unit of work a dependency yields keeps the
# session it opens and hands it to the stores it builds in __init__ (a
# base class keeping it as self._conn); a store's queries are the session's.
# Under gather or a task group they run at once on it (SL203); after one,
# a second session of the same pool is a second connection (SL206).
# args: --fastapi-version 0.110
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://ship@db/ship")
Sessions = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Store:
    def __init__(self, conn: AsyncSession):
        self._conn = conn


class ParcelStore(Store):
    async def weight(self, parcel_id: int):
        return await self._conn.scalar(text("SELECT weight FROM parcels WHERE id = :p"), {"p": parcel_id})


class RouteStore(Store):
    def __init__(self, conn: AsyncSession, depot: str):
        super().__init__(conn)
        self.depot = depot

    async def legs(self, parcel_id: int):
        rows = await self._conn.execute(text("SELECT * FROM legs WHERE parcel = :p"), {"p": parcel_id})
        return rows.all()


class Shipping:
    def __init__(self, conn: AsyncSession):
        self.conn = conn
        self.parcels = ParcelStore(conn)
        self.routes = RouteStore(conn, depot="north")
        self.labels = {"north": "N"}


async def shipping():
    async with Sessions() as conn:
        yield Shipping(conn)


@app.get("/parcels/weights")
async def weights(ids: list[int], ship: Shipping = Depends(shipping)):
    return await asyncio.gather(*(ship.parcels.weight(i) for i in ids))  # expect: SL203


@app.get("/parcels/{parcel_id}/plan")
async def plan(parcel_id: int, ship: Shipping = Depends(shipping)):
    async with asyncio.TaskGroup() as tg:
        w = tg.create_task(ship.parcels.weight(parcel_id))
        legs = tg.create_task(ship.routes.legs(parcel_id))  # expect: SL203
    return w.result(), legs.result()


@app.get("/parcels/{parcel_id}/plan-in-turn")
async def plan_in_turn(parcel_id: int, ship: Shipping = Depends(shipping)):
    w = await ship.parcels.weight(parcel_id)
    legs = await ship.routes.legs(parcel_id)
    return w, legs, ship.labels.get(ship.routes.depot)


@app.get("/parcels/weights-own-sessions")
async def weights_own_sessions(ids: list[int]):
    async def one(i):
        async with Sessions() as conn:
            return await Shipping(conn).parcels.weight(i)

    return await asyncio.gather(*(one(i) for i in ids))


@app.post("/parcels/{parcel_id}/scan")
async def scan(parcel_id: int, ship: Shipping = Depends(shipping)):
    legs = await ship.routes.legs(parcel_id)
    async with Sessions() as log:
        await log.execute(text("INSERT INTO scans (parcel) VALUES (:p)"), {"p": parcel_id})  # expect: SL206
        await log.commit()
    return legs


@app.post("/parcels/{parcel_id}/scan-after-commit")
async def scan_after_commit(parcel_id: int, ship: Shipping = Depends(shipping)):
    legs = await ship.routes.legs(parcel_id)
    await ship.conn.commit()
    async with Sessions() as log:
        await log.execute(text("INSERT INTO scans (parcel) VALUES (:p)"), {"p": parcel_id})
        await log.commit()
    return legs


@app.post("/parcels/{parcel_id}/relabel")
async def relabel(parcel_id: int, ship: Shipping = Depends(shipping)):
    label = ship.labels.get("north")
    async with Sessions() as log:
        await log.execute(text("UPDATE parcels SET label = :l WHERE id = :p"), {"l": label, "p": parcel_id})
        await log.commit()
    return label
