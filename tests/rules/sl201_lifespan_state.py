# SL201 through Starlette's lifespan state: what the lifespan yields in a
# dict is copied into every request's request.state, so a session there is
# one session for all requests.  The finding is on the value in the dict.
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
SessionMaker = async_sessionmaker(engine)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with SessionMaker() as session:
        yield {"session": session, "sessionmaker": SessionMaker}  # expect: SL201


@asynccontextmanager
async def good_lifespan(app: FastAPI):
    # quiet: the factory is shared, each request makes its own session
    yield {"sessionmaker": SessionMaker, "engine": engine}
    await engine.dispose()


app = FastAPI(lifespan=lifespan)
other = FastAPI(lifespan=good_lifespan)


@app.get("/count")
async def count(request: Request):
    result = await request.state.session.execute(text("SELECT count(*) FROM items"))
    return {"items": result.scalar_one()}


@other.get("/count")
async def count_own(request: Request):
    async with request.state.sessionmaker() as session:
        result = await session.execute(text("SELECT count(*) FROM items"))
        return {"items": result.scalar_one()}
