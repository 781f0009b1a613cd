# SL102: what reads from a connection as it goes (a server-side cursor of
# stream_results, an async stream, an asyncpg prepared statement) dies with
# the connection; using it after the connection went back is a use after
# release.  A buffered result (.all(), .mappings().all()) is quiet.
import asyncpg
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_engine("postgresql+psycopg2://app@db/app")
aengine = create_async_engine("postgresql+asyncpg://app@db/app")
app = FastAPI()


@app.get("/a")
def streamed():
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True).execute(text("SELECT id FROM t"))
    return [r.id for r in rows]  # expect: SL102


@app.get("/b")
def buffered():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id FROM t")).all()
    return [r.id for r in rows]


@app.get("/c")
async def async_stream():
    async with aengine.connect() as conn:
        result = await conn.stream(text("SELECT id FROM t"))
    return [r.id async for r in result]  # expect: SL102


@app.get("/d")
async def prepared(request: Request):
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        stmt = await conn.prepare("SELECT id FROM t WHERE x > $1")
        first = await stmt.fetch(1)  # quiet: the connection is still ours
    second = await stmt.fetch(2)  # expect: SL102
    return first + second
