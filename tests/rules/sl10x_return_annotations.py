# A function whose body does not say what it returns (abstract, a stub, a
# value from a cache the analysis cannot read) says it in its return
# annotation: `-> AsyncSession` is a session for what is done with it
# (SL301, SL203, SL102 after a close), `-> sessionmaker` a factory whose
# calls make sessions
# (SL103).  Whether the caller owns what it returns, only a body can say:
# a session from a scoped registry or a cache stays the registry's.
import asyncio
from abc import ABC, abstractmethod

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, scoped_session, sessionmaker

_makers: dict = {}
registry = scoped_session(sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app")))


class Backend(ABC):
    @abstractmethod
    async def session(self) -> AsyncSession:
        """Each backend makes its own."""


async def plain_string(backend: Backend):
    s = await backend.session()
    try:
        await s.execute("SELECT 1")  # expect: SL301
    finally:
        await s.close()


async def gathered(backend: Backend):
    s = await backend.session()
    try:
        await asyncio.gather(  # expect: SL203
            s.execute(text("SELECT 1")), s.execute(text("SELECT 2"))
        )
    finally:
        await s.close()


async def used_after_close(backend: Backend):
    s = await backend.session()
    await s.close()
    await s.execute(text("SELECT 1"))  # expect: SL102


async def one_at_a_time(backend: Backend):
    s = await backend.session()  # not ours to close: no SL103
    await s.execute(text("SELECT 1"))
    await s.execute(text("SELECT 2"))


def maker_for(dsn) -> sessionmaker:
    return _makers[dsn]


def new_session(dsn) -> Session:
    make = maker_for(dsn)
    return make()


def leaks(dsn):
    s = new_session(dsn)  # expect: SL103
    s.execute(text("SELECT 1"))


def closes(dsn):
    s = new_session(dsn)
    try:
        s.execute(text("SELECT 1"))
    finally:
        s.close()


def current() -> Session:
    return registry()


def uses_the_registry():
    current().execute(text("SELECT 1"))  # the registry's session: not ours to close
