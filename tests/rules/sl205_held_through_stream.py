# SL205 held-through-stream (no version: the newest behaviour, FastAPI >=
# 0.118 with the default scope="request"): the exit code of a yield
# dependency runs after the response, and for a streamed response that is
# after the last chunk.  A session the endpoint queried and did not commit,
# roll back or close still holds its pooled connection (idle in transaction)
# while the body streams; when the body does not use the session, nothing
# needs that connection, and a few long streams (server-sent events, a
# model's tokens) exhaust the pool.
# Convention: the finding is on the streamed response's construction.
import asyncio
import os
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sse_starlette.sse import EventSourceResponse

from app.models import Run

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_session():
    async with AsyncSessionLocal() as session:
        yield session


async def get_session_fn():
    async with AsyncSessionLocal() as session:
        yield session


AsyncDb = Annotated[AsyncSession, Depends(get_session)]


# Bad: the query opens a transaction; the event stream never needs the
# session, yet holds its connection until the client goes away.
@app.get("/runs/{run_id}/events")
async def run_events(run_id: int, session: AsyncDb):
    run = await session.get(Run, run_id)
    status = run.status

    async def events():
        while True:
            yield f"data: {status}\n\n"
            await asyncio.sleep(15)

    return StreamingResponse(events(), media_type="text/event-stream")  # expect: SL205


async def load_run(session: AsyncSession, run_id: int):
    return (await session.execute(select(Run).where(Run.id == run_id))).scalar_one()


async def save_run(session: AsyncSession, run: Run):
    session.add(run)
    await session.commit()


async def tokens(prompt: str):
    for word in prompt.split():
        yield word
        await asyncio.sleep(0.1)


# Bad: the helper's query leaves the connection out (no commit after it).
@app.post("/runs/{run_id}/answer")
async def answer(run_id: int, session: AsyncDb):
    run = await load_run(session, run_id)
    return EventSourceResponse(tokens(run.prompt))  # expect: SL205


# Bad: sync endpoint, a query after the last commit.
@app.get("/reports/{rid}/stream")
def report_stream(rid: int, db: Session = Depends(get_db)):
    db.execute(text("update report set views = views + 1 where id = :i"), {"i": rid})
    db.commit()
    title = db.execute(text("select title from report where id = :i"), {"i": rid}).scalar()

    def lines():
        for part in title.split():
            yield part + "\n"

    return StreamingResponse(lines())  # expect: SL205


# Quiet: committed before the stream starts (the connection goes back).
@app.get("/runs/{run_id}/events2")
async def run_events_committed(run_id: int, session: AsyncDb):
    run = await session.get(Run, run_id)
    status = run.status
    await session.commit()

    async def events():
        while True:
            yield f"data: {status}\n\n"
            await asyncio.sleep(15)

    return StreamingResponse(events(), media_type="text/event-stream")


# Quiet: the helper commits after its work.
@app.post("/runs/{run_id}/answer2")
async def answer_saved(run_id: int, session: AsyncDb):
    run = await load_run(session, run_id)
    run.answered = True
    await save_run(session, run)
    return EventSourceResponse(tokens(run.prompt))


# Quiet: the body itself reads through the session: it needs it open, and
# the provider closing it after the stream is what makes that work.
@app.get("/runs/export")
async def export_runs(session: AsyncDb):
    await session.execute(text("set local statement_timeout = 0"))

    async def rows():
        result = await session.stream_scalars(select(Run))
        async for run in result:
            yield f"{run.id},{run.status}\n"

    return StreamingResponse(rows(), media_type="text/csv")


# Quiet: only add() before the stream: no connection is checked out yet.
@app.post("/runs/queue")
async def queue_run(session: AsyncDb):
    session.add(Run(status="queued"))
    return StreamingResponse(tokens("queued"))


# Quiet: the body is a buffer already in memory; the stream only copies it.
@app.get("/runs/{run_id}/file")
async def run_file(run_id: int, session: AsyncDb):
    run = await session.get(Run, run_id)
    data = run.output.encode()
    return StreamingResponse(iter([data]), media_type="application/octet-stream")


# Quiet: scope="function" (FastAPI >= 0.121) closes it when the endpoint
# returns, before the stream.
@app.get("/runs/{run_id}/events3")
async def run_events_fn(
    run_id: int, session: Annotated[AsyncSession, Depends(get_session_fn, scope="function")]
):
    run = await session.get(Run, run_id)
    return StreamingResponse(tokens(run.prompt), media_type="text/event-stream")


# Quiet: the endpoint's own session, closed by its with block before the
# stream starts.
@app.get("/runs/{run_id}/events4")
async def run_events_own(run_id: int):
    async with AsyncSessionLocal() as session:
        run = await session.get(Run, run_id)
        prompt = run.prompt
    return StreamingResponse(tokens(prompt), media_type="text/event-stream")


# Dependencies that return a value and query the request's session: FastAPI
# caches the session for the request, so their query holds its connection
# when the endpoint starts.
async def require_user(session: AsyncDb):
    user = await session.get(Run, 1)
    if user is None:
        raise PermissionError("no user")
    return user


async def require_user_released(session: AsyncDb):
    user = await session.get(Run, 1)
    await session.close()  # the connection goes back before the endpoint runs
    return user


async def current_owner(user=Depends(require_user)):
    return user


# Bad: the endpoint never sees the session; its dependency queried it.
@app.get("/chat", dependencies=[Depends(require_user)])
async def chat(prompt: str):
    return StreamingResponse(tokens(prompt), media_type="text/event-stream")  # expect: SL205


# Bad: a dependency of a dependency, and the endpoint's own session is the
# same (cached) one, which it does not commit.
@app.get("/chat2")
async def chat_owner(prompt: str, session: AsyncDb, owner=Depends(current_owner)):
    session.add(Run(status="asked"))
    return StreamingResponse(tokens(prompt))  # expect: SL205


# Quiet: the dependency gives the connection back itself.
@app.get("/chat3", dependencies=[Depends(require_user_released)])
async def chat_released(prompt: str):
    return StreamingResponse(tokens(prompt), media_type="text/event-stream")


# Quiet: the endpoint commits the cached session after the dependency's query.
@app.get("/chat4")
async def chat_committed(prompt: str, session: AsyncDb, user=Depends(require_user)):
    await session.commit()
    return StreamingResponse(tokens(prompt))
