from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db import SessionMaker, get_session
from shop.pricing import reprice, reprice_refreshed

app = FastAPI()


@app.put("/products/{product_id}/price")
async def set_price(product_id: int, price: int, session: AsyncSession = Depends(get_session)):
    return await reprice(session, product_id, price)


@app.put("/products/{product_id}/price2")
async def set_price2(product_id: int, price: int, session: AsyncSession = Depends(get_session)):
    return await reprice_refreshed(session, product_id, price)


async def nightly(product_id: int):
    async with SessionMaker() as session:
        await reprice(session, product_id, 0)
