# Ownership moves with the resource to work whose function releases it: an
# endpoint that opens a session for a background task that closes it in its
# finally owes no close.  Work that does not release what it is given leaves
# the release to the function that opened it.
import asyncio
import threading

from fastapi import BackgroundTasks, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()
AsyncSessionLocal = async_sessionmaker()
app = FastAPI()


def write_audit(db, event):
    try:
        db.execute(text("INSERT INTO audit VALUES (:e)"), {"e": event})
        db.commit()
    finally:
        db.close()


def count_events(db):
    return db.execute(text("SELECT count(*) FROM audit")).scalar()


async def refresh_cache(db):
    try:
        await db.execute(text("REFRESH MATERIALIZED VIEW hot"))
    finally:
        await db.close()


# quiet: the task closes it
@app.post("/audit")
def audit(event: str, tasks: BackgroundTasks):
    db = SessionLocal()
    tasks.add_task(write_audit, db, event)
    return {"queued": True}


# quiet: the thread's target closes it
@app.post("/audit-thread")
def audit_thread(event: str):
    db = SessionLocal()
    threading.Thread(target=write_audit, args=(db, event)).start()
    return {"queued": True}


# quiet: the coroutine closes it
async def refresh():
    db = AsyncSessionLocal()
    task = asyncio.create_task(refresh_cache(db))
    await task


# bad: the task only uses it, and nobody closes it
@app.post("/count")
def count(tasks: BackgroundTasks):
    db = SessionLocal()  # expect: SL103
    tasks.add_task(count_events, db)
    return {"queued": True}
