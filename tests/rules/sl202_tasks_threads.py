# SL202 outlives-owner, on every FastAPI version (this file: no version, so
# the newest behaviour): a session borrowed from a dependency, or owned by a
# `with` in the endpoint, handed to work that is not awaited or joined before
# the owner releases it: asyncio.create_task/ensure_future, run_in_executor
# without await, Executor.submit without result(), threading.Thread without
# join(); and a BaseHTTPMiddleware that closes request.state.db right after
# call_next, i.e. before background tasks and streamed bodies run.
# Convention: the finding is on the line of the hand-off call (create_task,
# ensure_future, run_in_executor, submit, Thread(...), add_task, the
# StreamingResponse(...) construction).
import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Event, Order, Report

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
executor = ThreadPoolExecutor(max_workers=4)
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


async def record_event(session: AsyncSession, kind: str) -> None:
    session.add(Event(kind=kind))
    await session.commit()


def build_report(db: Session, report_id: int) -> None:
    report = db.get(Report, report_id)
    report.rows = db.execute(text("SELECT count(*) FROM orders")).scalar_one()
    db.commit()


# Bad: fire-and-forget task; get_adb closes the session when the request
# ends, while the task may still be using it.
@app.post("/events/{kind}")
async def post_event(kind: str, session: ADB):
    asyncio.create_task(record_event(session, kind))  # expect: SL202
    return {"queued": True}


# Bad: keeping a reference to the task does not make the request wait.
@app.post("/events/{kind}/tracked")
async def post_event_tracked(kind: str, request: Request, session: ADB):
    task = asyncio.ensure_future(record_event(session, kind))  # expect: SL202
    request.app.state.pending.add(task)
    return {"queued": True}


# Bad: the endpoint's own `async with` closes the session as soon as the
# endpoint returns; the task runs later.
@app.post("/events/{kind}/own")
async def post_event_own_session(kind: str):
    async with AsyncSessionLocal() as session:
        asyncio.create_task(record_event(session, kind))  # expect: SL202
    return {"queued": True}


# Bad: run_in_executor without await: the thread may still run when the
# request ends and get_db closes the session.
@app.post("/reports/{report_id}/build")
async def build(report_id: int, db: DB):
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, build_report, db, report_id)  # expect: SL202
    return {"building": report_id}


# Bad: submit() to a module-level executor, never waited for.
@app.post("/reports/{report_id}/submit")
def build_submitted(report_id: int, db: DB):
    executor.submit(build_report, db, report_id)  # expect: SL202
    return {"building": report_id}


# Bad: a thread that is started and never joined.
@app.post("/reports/{report_id}/thread")
def build_in_thread(report_id: int, db: DB):
    worker = threading.Thread(target=build_report, args=(db, report_id), daemon=True)  # expect: SL202
    worker.start()
    return {"building": report_id}


# Bad: a background task handed a session that the endpoint's own `with`
# closes before the response (and so before any background task) - on
# every FastAPI version.
@app.post("/reports/{report_id}/later")
def build_later(report_id: int, background_tasks: BackgroundTasks):
    with SessionLocal() as db:
        db.get(Report, report_id)
        background_tasks.add_task(build_report, db, report_id)  # expect: SL202
    return {"building": report_id}


# The SQLAlchemy/FastAPI tutorial's middleware: a session per request on
# request.state, closed when call_next returns - which is before the
# response body is streamed and before background tasks run.
@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        response = await call_next(request)
    finally:
        request.state.db.close()
    return response


def get_request_db(request: Request) -> Session:
    return request.state.db


# Bad: the middleware's session in a background task.
@app.post("/reports/{report_id}/mw")
def build_via_middleware(report_id: int, request: Request, background_tasks: BackgroundTasks):
    background_tasks.add_task(build_report, request.state.db, report_id)  # expect: SL202
    return {"building": report_id}


def order_lines(db: Session):
    for order in db.scalars(select(Order).execution_options(yield_per=500)):
        yield f"{order.id},{order.total}\n"


# Bad: the middleware's session (through a dependency) read by a streamed
# body that runs after the middleware closed it.
@app.get("/orders.csv")
def export_orders(db: Session = Depends(get_request_db)):
    return StreamingResponse(order_lines(db), media_type="text/csv")  # expect: SL202


# Quiet: the task is awaited before the endpoint returns.
@app.post("/events/{kind}/awaited")
async def post_event_awaited(kind: str, session: ADB):
    task = asyncio.create_task(record_event(session, kind))
    await task
    return {"recorded": True}


# Quiet: the executor call is awaited.
@app.post("/reports/{report_id}/build-now")
async def build_now(report_id: int, db: DB):
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, build_report, db, report_id)
    return {"built": report_id}


# Quiet: the thread is joined before the endpoint returns.
@app.post("/reports/{report_id}/thread-joined")
def build_in_thread_joined(report_id: int, db: DB):
    worker = threading.Thread(target=build_report, args=(db, report_id))
    worker.start()
    worker.join()
    return {"built": report_id}


# Quiet: the future's result is waited for.
@app.post("/reports/{report_id}/submit-wait")
def build_submitted_wait(report_id: int, db: DB):
    executor.submit(build_report, db, report_id).result()
    return {"built": report_id}
