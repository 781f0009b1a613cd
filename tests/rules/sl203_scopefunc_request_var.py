# A registry keyed by a ContextVar that a middleware sets per request (and
# removes): each request has its own session, and so has the work it hands
# to asyncio.to_thread, which copies the request's context.
import asyncio
from contextvars import ContextVar
from uuid import uuid4

from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id():
    return _request_id.get()


Session = scoped_session(sessionmaker(bind=engine), scopefunc=request_id)
app = FastAPI()


@app.middleware("http")
async def session_per_request(request: Request, call_next):
    token = _request_id.set(uuid4().hex)
    try:
        return await call_next(request)
    finally:
        Session.remove()
        _request_id.reset(token)


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return Session.execute(text("select * from items where id = :i"), {"i": item_id}).one()._asdict()


def tally(kind):
    return Session.execute(text("select count(*) from items where kind = :k"), {"k": kind}).scalar()


@app.get("/tallies")
async def tallies(kinds: str):
    return await asyncio.gather(*[asyncio.to_thread(tally, k) for k in kinds.split(",")])
