# SL207 in the methods of an object a lifespan builds and keeps on
# app.state: building it runs its constructor at start-up, and start-up
# code may call a few of its methods (warm-up, close), but the rest run
# when requests call them through request.app.state.  Those are request
# code, held connections and waits included; what the lifespan itself
# runs before its yield (and the methods it calls there) runs once, alone.
import asyncio
import time
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request


class Catalog:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.pool = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4)

    async def warm(self) -> None:
        # called by the lifespan before its yield: start-up work, quiet
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT pg_prewarm('items')")
                await asyncio.sleep(15)

    async def reprice(self, sku: str, factor: float) -> None:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT price FROM items WHERE sku = $1 FOR UPDATE", sku)
                await asyncio.sleep(12)  # expect: SL207 "while it sleeps"
                await conn.execute("UPDATE items SET price = price * $2 WHERE sku = $1", sku, factor)

    async def reprice_fixed(self, sku: str, factor: float) -> None:
        await asyncio.sleep(12)  # quiet: nothing held yet
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("UPDATE items SET price = price * $2 WHERE sku = $1", sku, factor)

    def audit(self, sku: str) -> None:
        # never called by start-up code: reached only through app.state
        with open("/tmp/audit.log", "a") as fh:
            fh.write(sku)
        time.sleep(0)

    async def close(self) -> None:
        await self.pool.close()


@asynccontextmanager
async def lifespan(app: FastAPI):
    catalog = Catalog("postgresql://app@db/shop")
    await catalog.open()
    await catalog.warm()
    async with catalog.pool.acquire() as conn:
        await conn.execute("SELECT 1")
        await asyncio.sleep(30)  # quiet: the lifespan's own start-up work, once, alone
    app.state.catalog = catalog
    yield
    await catalog.close()


app = FastAPI(lifespan=lifespan)


@app.post("/items/{sku}/reprice")
async def reprice(sku: str, request: Request):
    await request.app.state.catalog.reprice(sku, 1.1)
    await request.app.state.catalog.reprice_fixed(sku, 1.1)
    return {"ok": True}
