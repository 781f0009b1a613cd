# Traps for SL203/SL202: concurrency where every task has its own session or
# connection, where only one task touches the request's session, sequential
# awaits, and tasks/threads/executor calls that are awaited or joined before
# the endpoint returns.  No finding anywhere in this file.
import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Feed, Item, Tag

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


async def count_items(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Item))


async def count_tags(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Tag))


async def count_items_own() -> int:
    async with AsyncSessionLocal() as session:
        return await session.scalar(select(func.count()).select_from(Item))


async def count_tags_own() -> int:
    async with AsyncSessionLocal() as session:
        return await session.scalar(select(func.count()).select_from(Tag))


async def load_feed(feed_id: int):
    async with AsyncSessionLocal() as session:
        return await session.get(Feed, feed_id)


async def fetch_remote(url: str) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(url)).status_code


async def feed_title_pg(pool, feed_id: int) -> str:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT title FROM feeds WHERE id = $1", feed_id)


def count_items_sync(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Item))


def load_item_own(item_id: int):
    with SessionLocal() as db:
        return db.get(Item, item_id)


@app.get("/counts")
async def counts():
    items, tags = await asyncio.gather(count_items_own(), count_tags_own())
    return {"items": items, "tags": tags}


@app.get("/feeds")
async def feeds(ids: str):
    return await asyncio.gather(*[load_feed(int(i)) for i in ids.split(",")])


@app.get("/feeds/pg")
async def feeds_pg(ids: str, request: Request):
    pool = request.app.state.pg
    return await asyncio.gather(*(feed_title_pg(pool, int(i)) for i in ids.split(",")))


@app.get("/feeds/taskgroup")
async def feeds_taskgroup(ids: str):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(load_feed(int(i))) for i in ids.split(",")]
    return [t.result() for t in tasks]


# Only one of the concurrent tasks uses the request's session (and the
# TaskGroup waits for it even when the other one fails).
@app.get("/status")
async def status(session: ADB):
    async with asyncio.TaskGroup() as tg:
        items = tg.create_task(count_items(session))
        upstream = tg.create_task(fetch_remote("https://upstream.example/health"))
    return {"items": items.result(), "upstream": upstream.result()}


@app.get("/counts/sequential")
async def counts_sequential(session: ADB):
    items = await count_items(session)
    tags = await count_tags(session)
    return {"items": items, "tags": tags}


@app.get("/counts/task")
async def counts_task(session: ADB):
    upstream = await fetch_remote("https://upstream.example/health")
    task = asyncio.create_task(count_items(session))
    return {"items": await task, "upstream": upstream}


@app.get("/counts/executor")
async def counts_executor(db: DB):
    loop = asyncio.get_running_loop()
    items = await loop.run_in_executor(None, count_items_sync, db)
    return {"items": items}


@app.get("/counts/thread")
def counts_thread(db: DB):
    result = {}
    worker = threading.Thread(target=lambda: result.update(items=count_items_sync(db)))
    worker.start()
    worker.join()
    return result


@app.get("/items")
def items(ids: str):
    with ThreadPoolExecutor(max_workers=4) as ex:
        return list(ex.map(load_item_own, [int(i) for i in ids.split(",")]))


@app.get("/items/{item_id}/wait")
async def item_wait(item_id: int, session: ADB):
    done, _ = await asyncio.wait([asyncio.create_task(fetch_remote("https://a.example")), asyncio.create_task(fetch_remote("https://b.example"))])
    return {"item": await session.get(Item, item_id), "remote": [t.result() for t in done]}
