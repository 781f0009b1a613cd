"""SL205 held-through-stream: a borrowed session that keeps its connection
while a streamed response runs.

The page's bad endpoint (AsyncSession on asyncpg) reads a run and streams
its status as server-sent events that never use the session.  The proof
serves it as an ASGI server does, to a client that reads the first event and
then goes away, with a pool of 1 (no overflow, pool_timeout 1s).  When that
first event reaches the client, the proof looks, the stream still open: the
pool has the session's connection checked out, pg_stat_activity (from a
connection of its own) shows it `idle in transaction`, and another request
of the application, served then, fails on the pool (TimeoutError).  Only
after the client left does get_session's close give the connection back.
The fixed endpoint commits before it returns the stream: nothing checked
out while it streams, and the other request is served.  The same in sync
code (Session on psycopg2, a sync endpoint, a generator body FastAPI
iterates in its threadpool).

FastAPI runs the dependency's exit code after the response, stream
included, before 0.106 and from 0.118 (the rule reports there); from 0.106
to 0.117 before the response (the rule is quiet there): this proof checks
the installed version's order.
"""
# needs: sqlalchemy psycopg2 asyncpg fastapi
import asyncio
import time

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

POOL = dict(pool_size=1, max_overflow=0, pool_timeout=1)
async_engine = create_async_engine("postgresql+asyncpg://", **POOL)
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession)
engine = create_engine("postgresql+psycopg2://", **POOL)
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
log = []  # what the client saw and when the dependency closed, in order


class Run(Base):
    __tablename__ = "runs"
    id = Column(Integer, primary_key=True)
    status = Column(String, nullable=False)


async def get_session():
    async with AsyncSessionLocal() as session:
        yield session
    log.append("close")  # the proof's


# The page's bad example.
app = FastAPI()


@app.get("/runs/{run_id}/events")
async def run_events(run_id: int, session: AsyncSession = Depends(get_session)):
    run = await session.get(Run, run_id)
    status = run.status

    async def events():
        while True:
            yield f"data: {status}\n\n"
            await asyncio.sleep(15)

    return StreamingResponse(events(), media_type="text/event-stream")  # expect: SL205


# The page's fixed example.
app_fixed = FastAPI()


@app_fixed.get("/runs/{run_id}/events")
async def run_events_fixed(run_id: int, session: AsyncSession = Depends(get_session)):
    run = await session.get(Run, run_id)
    status = run.status
    await session.commit()  # the connection goes back to the pool

    async def events():
        while True:
            yield f"data: {status}\n\n"
            await asyncio.sleep(15)

    return StreamingResponse(events(), media_type="text/event-stream")


# The application's other requests, which need a connection of the pool.
api = FastAPI()


@api.get("/runs/{run_id}")
async def read_run(run_id: int, session: AsyncSession = Depends(get_session)):
    run = await session.get(Run, run_id)
    return {"status": run.status}


# The same in sync code.
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
        log.append("close")  # the proof's


app_sync = FastAPI()


@app_sync.get("/runs/{run_id}/events")
def run_events_sync(run_id: int, db: Session = Depends(get_db)):
    run = db.get(Run, run_id)
    status = run.status

    def events():
        while True:
            yield f"data: {status}\n\n"
            time.sleep(0.05)

    return StreamingResponse(events(), media_type="text/event-stream")  # expect: SL205


app_sync_fixed = FastAPI()


@app_sync_fixed.get("/runs/{run_id}/events")
def run_events_sync_fixed(run_id: int, db: Session = Depends(get_db)):
    run = db.get(Run, run_id)
    status = run.status
    db.commit()  # the connection goes back to the pool

    def events():
        while True:
            yield f"data: {status}\n\n"
            time.sleep(0.05)

    return StreamingResponse(events(), media_type="text/event-stream")


api_sync = FastAPI()


@api_sync.get("/runs/{run_id}")
def read_run_sync(run_id: int, db: Session = Depends(get_db)):
    run = db.get(Run, run_id)
    return {"status": run.status}


async def serve(app_, path, while_streaming=None):
    """Serves GET path to app_ as an ASGI server does, without a network, to
    a client that reads the first chunk of the body and then disconnects.
    while_streaming (a coroutine function) runs when that chunk reaches the
    client: the response is under way, the stream still open, its generator
    waiting for send() to return.  Returns (status, the body received, what
    while_streaming returned, the exception the app raised or None); log
    gets "response", "chunk" and "disconnect" as they happen."""
    gone = asyncio.Event()
    asked = {"request": False}
    got = {"status": None, "body": b"", "seen": None}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "server": ("testserver", 80),
             "client": ("127.0.0.1", 50000), "headers": [(b"host", b"testserver")]}

    async def receive():
        if not asked["request"]:
            asked["request"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        log.append("disconnect")
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
            log.append("response")
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk and not got["body"]:
                got["body"] += chunk
                log.append("chunk")
                if while_streaming is not None:
                    got["seen"] = await while_streaming()
            gone.set()  # the client has what it came for

    try:
        await app_(scope, receive, send)
    except Exception as e:  # a server logs it; the client has what it got
        return got["status"], got["body"], got["seen"], e
    return got["status"], got["body"], got["seen"], None


def stream(app_, other, eng):
    """Streams /runs/1/events of app_; at its first event, the number of
    connections eng's pool has checked out, the pg_stat_activity states of
    the proof's database, and another request (/runs/1 of other) served then.
    Returns (status, body, (checked out, states, other's (status, body,
    error)), error, checked out at the end)."""
    async def look():
        out = eng.pool.checkedout()
        states = [s for _, s, _ in proof.sessions_holding()]
        mark = len(log)
        status, body, _, err = await serve(other, "/runs/1")
        del log[mark:]  # the other request's own entries
        return out, states, (status, body, err)

    async def main():
        got = await serve(app_, "/runs/1/events", look)
        end = eng.pool.checkedout()
        await async_engine.dispose()  # asyncpg's connections belong to this loop
        return got + (end,)

    del log[:]
    return asyncio.run(main())


def body(p):
    Base.metadata.create_all(engine)
    with SessionLocal() as db:
        db.add(Run(id=1, status="running"))
        db.commit()
    fastapi_version = proof.versions()["fastapi"]
    v = proof.version_tuple("fastapi")
    lint_args = ["--fastapi-version", ".".join(fastapi_version.split(".")[:2])]
    cases = [("asyncpg: ", app, app_fixed, api, async_engine.sync_engine),
             ("psycopg2, sync: ", app_sync, app_sync_fixed, api_sync, engine)]

    if (0, 106) <= v < (0, 118):
        for _, bad, _, other, eng in cases:
            status, text, (out, states, served), err, end = stream(bad, other, eng)
            p.check(log[0] == "close" and out == 0 and served[0] == 200,
                    "FastAPI %s: %r, %d checked out while streaming" % (
                        fastapi_version, log, out))
        p.lint(lint_args, drop=[(n, "SL205") for n in expect_lines(p)])
        p.skip("FastAPI %s runs the dependency's exit code before the response: the stream "
               "holds no connection (observed), and the rule is quiet there (checked)"
               % fastapi_version)

    for label, bad, fixed, other, eng in cases:
        status, text, (out, states, served), err, end = stream(fixed, other, eng)
        p.check(status == 200 and text == b"data: running\n\n" and err is None,
                "%sfixed: %r %r %r" % (label, status, text, err))
        p.check(out == 0 and "idle in transaction" not in states,
                "%sfixed: %d checked out while streaming, %r" % (label, out, states))
        p.check(served == (200, b'{"status":"running"}', None),
                "%sfixed: the other request: %r" % (label, served))
        p.check(log == ["response", "chunk", "disconnect", "close"] and end == 0,
                "%sfixed: %r, %d checked out at the end" % (label, log, end))
        p.fixed("%s0 connections checked out mid-stream, another request 200" % label,
                "pg_stat_activity: %s" % ", ".join(states))

        status, text, (out, states, served), err, end = stream(bad, other, eng)
        p.check(status == 200 and text == b"data: running\n\n" and err is None,
                "%sbad: %r %r %r" % (label, status, text, err))
        p.check(log == ["response", "chunk", "disconnect", "close"],
                "FastAPI %s runs the dependency's exit code at %r, not after the stream "
                "as the rule assumes" % (fastapi_version, log))
        p.check(out == 1 and states.count("idle in transaction") == 1,
                "%sbad: %d checked out while streaming, %r" % (label, out, states))
        p.check(served[0] == 500 and isinstance(served[2], PoolTimeout),
                "%sbad: the other request: %r" % (label, served))
        p.check(end == 0, "%sbad: %d checked out after the stream" % (label, end))
        p.bad("%smid-stream 1 of 1 connections checked out, 'idle in transaction'; "
              "another request fails on the pool (500)" % label,
              proof.exc_text(served[2]).split(" (Background")[0])
    p.note("FastAPI %s runs the dependency's exit code after the stream: %s" % (
        fastapi_version, ", ".join(log)))
    p.lint(lint_args)


def expect_lines(p):
    with open(p.path, encoding="utf-8") as f:
        return [n for n, line in enumerate(f, 1) if proof.EXPECT.search(line)]


proof.run("SL205", body)
