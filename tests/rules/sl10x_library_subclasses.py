# A class of the project that subclasses a library's session or engine
# class makes what the library class makes: sqlmodel's own `class
# Session(sqlalchemy.orm.Session)`, an application's `AppSession`, a
# subclass of a subclass.  Its instances are sessions for every rule; an
# annotation naming it is a session too.  Traps: a class of the project
# with no library base is an object; a subclass closed by `with`.
import asyncio

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

engine = create_engine("postgresql+psycopg2://app@db/app")
async_engine = create_async_engine("postgresql+asyncpg://app@db/app")
app = FastAPI()


class AppSession(Session):
    def audit(self, what):
        self.execute(text("INSERT INTO audit VALUES (:w)"), {"w": what})


class TracedSession(AppSession):
    pass


class AppAsyncSession(AsyncSession):
    pass


class Repository:  # no library base: an object, not a session
    def __init__(self, bind):
        self.bind = bind

    def close(self):
        pass


shared = AppSession(engine)  # expect: SL201


@app.get("/count")
def count():
    return shared.execute(text("SELECT count(*) FROM items")).scalar()


def leaks(n):
    s = TracedSession(engine)  # expect: SL103
    s.audit(n)
    s.commit()


def closed_by_with(n):
    with AppSession(engine) as s:
        s.audit(n)
        s.commit()


def not_a_session(n):
    repo = Repository(engine)
    return repo.bind


async def gathered(session: AppAsyncSession):
    await asyncio.gather(  # expect: SL203
        session.execute(text("SELECT 1")), session.execute(text("SELECT 2"))
    )
