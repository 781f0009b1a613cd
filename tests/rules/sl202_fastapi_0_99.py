# args: --fastapi-version 0.99
# SL202 outlives-owner on FastAPI < 0.106: the exit code of a yield
# dependency runs after the response is sent and after background tasks, so
# background tasks and streamed bodies may use the dependency's session.
# What is not tracked by FastAPI (create_task, threads) still outlives it.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the line of the hand-off call.
import asyncio
import os
import threading
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from app.models import AuditLog, Order

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


def write_audit(db: Session, action: str) -> None:
    db.add(AuditLog(action=action))
    db.commit()


async def write_audit_async(session: AsyncSession, action: str) -> None:
    session.add(AuditLog(action=action))
    await session.commit()


def order_rows(db: Session):
    for order in db.scalars(select(Order)):
        yield f"{order.id},{order.total}\n"


# Quiet on < 0.106: background tasks run before get_db's finally.
@app.post("/orders/{order_id}/approve")
def approve(order_id: int, background_tasks: BackgroundTasks, db: DB):
    db.get(Order, order_id).approved = True
    db.commit()
    background_tasks.add_task(write_audit, db, "approve")
    return {"approved": order_id}


# Quiet on < 0.106: the response's BackgroundTask too.
@app.post("/orders/{order_id}/reject")
def reject(order_id: int, db: DB):
    return JSONResponse({"rejected": order_id}, background=BackgroundTask(write_audit, db, "reject"))


# Quiet on < 0.106: the body is streamed before get_db's finally.
@app.get("/orders.csv")
def export_orders(db: DB):
    return StreamingResponse(order_rows(db), media_type="text/csv")


# Bad on every version: FastAPI does not wait for a bare task.
@app.post("/orders/{order_id}/touch")
async def touch(order_id: int, session: ADB):
    asyncio.create_task(write_audit_async(session, "touch"))  # expect: SL202
    return {"ok": True}


# Bad on every version: a thread nobody joins.
@app.post("/orders/{order_id}/archive")
def archive(order_id: int, db: DB):
    threading.Thread(target=write_audit, args=(db, "archive")).start()  # expect: SL202
    return {"ok": True}
