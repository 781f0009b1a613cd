# args: --fastapi-version 0.118
# SL207 held-while-waiting through a background task.  From FastAPI 0.118 a
# yield dependency's exit code runs after the response and its background
# tasks: a request session still in a transaction when the endpoint returns
# keeps its pooled connection, idle in that transaction, for as long as the
# task runs, so a task that waits (an HTTP request, a sleep, a queue) holds
# it through the wait, even a single request.  Quiet: the transaction ended
# before the return, a task that waits on nothing or only briefly, a task
# handed the session that ends the transaction before it waits, and one
# that waits only on some path.
import asyncio
import time

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncSessionLocal = async_sessionmaker(async_engine)
app = FastAPI()
events: asyncio.Queue = asyncio.Queue()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


def post_webhook(url: str, payload: dict):
    httpx.post(url, json=payload, timeout=30)


def maybe_post(url: str, payload: dict, enabled: bool):
    if enabled:
        httpx.post(url, json=payload, timeout=30)


def remember(payload: dict):
    print(payload)


async def settle_later(db: AsyncSession, invoice_id: int):
    await asyncio.sleep(60)
    await db.execute(text("update invoices set settled = true where id = :i"), {"i": invoice_id})
    await db.commit()


async def settle_now(db: AsyncSession, invoice_id: int):
    await db.execute(text("update invoices set settled = true where id = :i"), {"i": invoice_id})
    await db.commit()
    await asyncio.sleep(60)


async def nap_briefly():
    await asyncio.sleep(0.1)


async def drain_events():
    await events.join()


@app.post("/hooks/{hook_id}/fire")
def fire(hook_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    url = db.execute(text("select url from hooks where id = :h"), {"h": hook_id}).scalar()
    tasks.add_task(post_webhook, url, {"hook": hook_id})  # expect: SL207 "makes an HTTP request"
    return {"fired": hook_id}


@app.post("/invoices/{invoice_id}/settle")
async def settle(invoice_id: int, session: AsyncSession = Depends(get_adb)):
    total = (await session.execute(text("select total from invoices where id = :i"),
                                   {"i": invoice_id})).scalar()
    return JSONResponse({"total": total},
                        background=BackgroundTask(settle_later, session, invoice_id))  # expect: SL207 "sleeps"


@app.post("/events")
async def publish(tasks: BackgroundTasks, session: AsyncSession = Depends(get_adb)):
    await session.execute(text("select 1"))
    tasks.add_task(drain_events)  # expect: SL207 "waits for other work"
    return {"ok": True}


@app.post("/hooks/{hook_id}/fire-committed")
def fire_committed(hook_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    url = db.execute(text("select url from hooks where id = :h"), {"h": hook_id}).scalar()
    db.execute(text("update hooks set fired = fired + 1 where id = :h"), {"h": hook_id})
    db.commit()
    tasks.add_task(post_webhook, url, {"hook": hook_id})
    return {"fired": hook_id}


@app.post("/hooks/{hook_id}/fire-maybe")
def fire_maybe(hook_id: int, enabled: bool, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    url = db.execute(text("select url from hooks where id = :h"), {"h": hook_id}).scalar()
    tasks.add_task(maybe_post, url, {"hook": hook_id}, enabled)  # waits on some path only
    tasks.add_task(remember, {"hook": hook_id})  # fast local work
    return {"fired": hook_id}


@app.post("/invoices/{invoice_id}/settle-now")
async def settle_first(invoice_id: int, tasks: BackgroundTasks,
                       session: AsyncSession = Depends(get_adb)):
    await session.execute(text("select 1"))
    tasks.add_task(settle_now, session, invoice_id)  # its commit ends the transaction first
    tasks.add_task(nap_briefly)  # a tenth of a second
    return {"ok": True}
