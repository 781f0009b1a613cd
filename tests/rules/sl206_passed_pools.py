# SL206 for pools that no module-level binding makes: a pool handed in as a
# parameter (two acquisitions from one parameter never rebound are from one
# pool; a helper that acquires from the pool it is handed takes a second
# connection of the caller's pool), and the application's state
# (`app.state.db_pool`, `request.app.state.db_pool`, `request.state.cache_pool`
# of a lifespan's yielded dict: one pool per key), also through a local
# copied from either.  Quiet: two different parameters (a primary and a
# replica), a parameter rebound, a helper handed another pool, a first
# connection given back before the second is taken.
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.db_pool = await asyncpg.create_pool("postgresql://localhost/app")
    app.state.replica_pool = await asyncpg.create_pool("postgresql://replica/app")
    cache = await asyncpg.create_pool("postgresql://localhost/cache")
    yield {"cache_pool": cache}
    await app.state.db_pool.close()


app = FastAPI(lifespan=lifespan)


async def record_event(pool: asyncpg.Pool, kind: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO events (kind) VALUES ($1)", kind)


async def audit(kind: str, *, into: asyncpg.Pool) -> None:
    await record_event(into, kind)


async def close_order(pool: asyncpg.Pool, order_id: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE orders SET closed = true WHERE id = $1", order_id)
        await record_event(pool, "closed")  # expect: SL206 "when a second connection of the same pool is taken here"


async def refund(pool: asyncpg.Pool, order_id: int) -> None:
    conn = await pool.acquire()
    try:
        await conn.execute("UPDATE orders SET refunded = true WHERE id = $1", order_id)
        await audit("refund", into=pool)  # expect: SL206
    finally:
        await pool.release(conn)


async def copy_to_replica(primary: asyncpg.Pool, replica: asyncpg.Pool) -> None:
    async with primary.acquire() as src:
        rows = await src.fetch("SELECT * FROM orders")
        async with replica.acquire() as dst:
            await dst.executemany("INSERT INTO orders VALUES ($1)", rows)
        await record_event(replica, "copied")


async def reconnecting(pool: asyncpg.Pool, dsn: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")
        pool = await asyncpg.create_pool(dsn)
        async with pool.acquire() as other:
            await other.execute("SELECT 1")


async def close_then_record(pool: asyncpg.Pool, order_id: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE orders SET closed = true WHERE id = $1", order_id)
    await record_event(pool, "closed")


@app.post("/orders/{order_id}/close")
async def close_endpoint(order_id: int, request: Request):
    await close_order(request.app.state.db_pool, order_id)


@app.post("/orders/{order_id}/ship")
async def ship(order_id: int, request: Request):
    async with request.app.state.db_pool.acquire() as conn:
        await conn.execute("UPDATE orders SET shipped = true WHERE id = $1", order_id)
        await record_event(request.app.state.db_pool, "shipped")  # expect: SL206


@app.post("/orders/{order_id}/hold")
async def hold(order_id: int, request: Request):
    pool = request.app.state.db_pool
    async with pool.acquire() as conn:
        await conn.execute("UPDATE orders SET held = true WHERE id = $1", order_id)
        async with request.app.state.db_pool.acquire() as log:  # expect: SL206 "a second connection of the same pool is taken here"
            await log.execute("INSERT INTO events (kind) VALUES ('held')")


@app.get("/orders/{order_id}")
async def show(order_id: int, request: Request):
    async with request.app.state.db_pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM orders WHERE id = $1", order_id)
        async with request.app.state.replica_pool.acquire() as other:
            await other.fetch("SELECT 1")
        await record_event(request.app.state.replica_pool, "shown")
    return dict(row)


@app.get("/cache/{key}")
async def cached(key: str, request: Request):
    async with request.state.cache_pool.acquire() as conn:
        value = await conn.fetchval("SELECT v FROM cache WHERE k = $1", key)
        await record_event(request.state.cache_pool, "hit")  # expect: SL206
    return value


@app.get("/cache-then-db/{key}")
async def cached_then_db(key: str, request: Request):
    async with request.state.cache_pool.acquire() as conn:
        value = await conn.fetchval("SELECT v FROM cache WHERE k = $1", key)
        await record_event(request.app.state.db_pool, "hit")
    return value
