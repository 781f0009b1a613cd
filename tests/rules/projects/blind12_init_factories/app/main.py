from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import jobs
from app.database import db
from app.repository import CartRepository


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await db.dispose()


app = FastAPI(lifespan=lifespan)
carts = CartRepository(db.session_maker)


@app.post("/maintenance/expire")
async def expire():
    return {
        "carts": await jobs.expire_carts(),
        "wishlists": await jobs.expire_wishlists(),
        "coupons": await jobs.expire_coupons(),
    }


@app.post("/maintenance/vacuum")
async def vacuum():
    await jobs.vacuum_carts()
    await jobs.analyze_carts()
    return {"ok": True}


@app.post("/maintenance/search")
def search():
    jobs.rebuild_search_index()
    jobs.rebuild_suggestions()
    jobs.reindex_search()
    return jobs.search_stats()


@app.delete("/carts/{cart_id}")
async def clear_cart(cart_id: int):
    await carts.clear(cart_id)
    return {"size": await carts.size(cart_id)}
