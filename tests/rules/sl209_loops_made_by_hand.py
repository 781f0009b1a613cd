# SL209 pool-across-event-loops, for event loops made by hand:
# `loop = asyncio.new_event_loop(); loop.run_until_complete(work())` (or
# asyncio.get_event_loop()) runs the coroutine on a loop of its own, as
# asyncio.run() does.  The connections it opens stay in a pool that lives
# for the process, bound to that loop: the same call again (request or
# service code) or a server started afterwards by the same function, whose
# own loop serves the requests, gets them ("attached to a different loop").
# Convention: the finding is on the call that runs the coroutine.
import asyncio

import click
import uvicorn
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

catalog_engine = create_async_engine("postgresql+asyncpg://shop@db/catalog", pool_size=10)
CatalogSession = async_sessionmaker(catalog_engine, expire_on_commit=False)
scratch_engine = create_async_engine("postgresql+asyncpg://shop@db/catalog", poolclass=NullPool)

process_loop = asyncio.new_event_loop()


async def seed_categories() -> None:
    async with CatalogSession() as session:
        await session.execute(text("INSERT INTO categories (name) VALUES ('misc') ON CONFLICT DO NOTHING"))
        await session.commit()


async def count_products() -> int:
    async with catalog_engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM products"))).scalar()


async def count_products_unpooled() -> int:
    async with scratch_engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM products"))).scalar()


async def warm_caches() -> None:
    await asyncio.sleep(0)


async def close_catalog() -> None:
    await catalog_engine.dispose()


@click.command()
def serve() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(seed_categories())  # expect: SL209 "the server started after it"
    uvicorn.run("shop.app:app", host="0.0.0.0", port=8080)


@click.command()
def serve_aiohttp() -> None:
    asyncio.get_event_loop().run_until_complete(seed_categories())  # expect: SL209 "on an event loop of its own"
    web.run_app(web.Application(), port=8081)


# asyncio.run() before the server is the same defect, in a CLI command too.
@click.command()
def serve_after_run() -> None:
    asyncio.run(seed_categories())  # expect: SL209 "serves on another loop"
    uvicorn.run("shop.app:app", port=8080)


# Quiet: the pool is disposed of after the run, before the server starts.
@click.command()
def serve_disposed() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(seed_categories())
    loop.run_until_complete(close_catalog())
    uvicorn.run("shop.app:app", port=8080)


# Quiet: the hand-made loop never touches the pool.
@click.command()
def serve_warm() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(warm_caches())
    uvicorn.run("shop.app:app", port=8080)


# Quiet: a NullPool engine keeps no connection between loops.
@click.command()
def serve_unpooled() -> None:
    loop = asyncio.new_event_loop()
    print(loop.run_until_complete(count_products_unpooled()))
    uvicorn.run("shop.app:app", port=8080)


# Quiet: a one-shot command with no server after it runs its loop once.
@click.command()
def seed() -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(seed_categories())
    loop.close()


# Bad: a service function that makes a loop per call.
def product_total() -> int:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(count_products())  # expect: SL209 "at each run_until_complete()"
    finally:
        loop.close()


# Quiet: one loop for the process, kept at module level.
def product_total_shared_loop() -> int:
    return process_loop.run_until_complete(count_products())
