# Traps: correct async code.  Every await may be cancelled, and every
# resource here is released by async with or finally, each task opens its
# own session, and generators are closed explicitly.  No finding anywhere
# in this file.
import asyncio
import os
from contextlib import aclosing

import asyncpg
import psycopg
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.models import Feed, Item

DSN = os.environ["DATABASE_DSN"]
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
apool = AsyncConnectionPool(DSN, open=False)
app = FastAPI()
apg_pool: asyncpg.Pool


async def open_apg_pool():
    """Called from the application's startup."""
    global apg_pool
    apg_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)


# one session per task, each in its own async with.
async def refresh_feed(feed_id):
    async with AsyncSessionLocal() as session:
        feed = await session.get(Feed, feed_id)
        feed.refreshed = True
        await session.commit()


async def refresh_all(feed_ids):
    await asyncio.gather(*(refresh_feed(f) for f in feed_ids))


async def refresh_all_grouped(feed_ids):
    async with asyncio.TaskGroup() as tg:
        for feed_id in feed_ids:
            tg.create_task(refresh_feed(feed_id))


# a timeout around work inside async with: the exit still releases.
async def count_items_with_deadline():
    async with apg_pool.acquire() as conn:
        async with asyncio.timeout(2):
            return await conn.fetchval("SELECT count(*) FROM items")


# an asyncpg transaction on a pooled connection, release in finally.
async def move_item(item_id, feed_id):
    conn = await apg_pool.acquire()
    try:
        async with conn.transaction():
            await conn.execute("UPDATE items SET feed_id = $1 WHERE id = $2", feed_id, item_id)
    finally:
        await apg_pool.release(conn)


# an async generator consumed under aclosing(): closed even on break.
async def stream_items():
    async with AsyncSessionLocal() as session:
        result = await session.stream_scalars(select(Item))
        async for item in result:
            yield item


async def first_unread():
    async with aclosing(stream_items()) as items:
        async for item in items:
            if not item.read:
                return item
    return None


# psycopg 3 async pool with a cursor block.
async def item_titles():
    async with apool.connection() as aconn:
        async with aconn.cursor() as cur:
            await cur.execute("SELECT title FROM items ORDER BY id DESC LIMIT 20")
            return [r[0] for r in await cur.fetchall()]


# close shielded in finally, acquired before the try with nothing between.
async def vacuum_items():
    aconn = await psycopg.AsyncConnection.connect(DSN, autocommit=True)
    try:
        await aconn.execute("VACUUM ANALYZE items")
    finally:
        await asyncio.shield(aconn.close())


# a background worker loop: each iteration's session is in async with, and
# cancellation of the sleep holds no resource.
async def janitor(stop: asyncio.Event):
    while not stop.is_set():
        async with AsyncSessionLocal() as session:
            await session.execute(text("DELETE FROM items WHERE expires_at < now()"))
            await session.commit()
        await asyncio.sleep(60)


# an endpoint with its own session and an early return inside async with.
@app.get("/items/{item_id}")
async def read_item(item_id: int):
    async with AsyncSessionLocal() as session:
        item = await session.get(Item, item_id)
        if item is None:
            return {"found": False}
        return {"found": True, "title": item.title}
