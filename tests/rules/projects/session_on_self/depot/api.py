from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from .db import get_async_db, get_db
from .services import Shipping, SyncTracking, Tracking, city_helper

app = FastAPI()


@app.post("/crates/{crate_id}/ship")
def ship(crate_id: int, db: Session = Depends(get_db)):
    return {"weight": Shipping(db).ship(crate_id)}


@app.get("/crates/{crate_id}/city")
async def city(crate_id: int, db: AsyncSession = Depends(get_async_db)):
    return {"city": await Tracking(db).city_of(crate_id), "h": await city_helper(db, crate_id)}


@app.get("/crates/{crate_id}/sync-city")
def sync_city(crate_id: int, db: Session = Depends(get_db)):
    return {"city": SyncTracking(db).city_of(crate_id)}
