# SL103 release-skipped, per scope: a registry keyed by its own scopefunc
# (a ContextVar it reads, or asyncio.current_task) keeps one session per key
# until remove() is called while that key is current.  A unit of work that
# makes a new key (sets the ContextVar, directly or through a context manager
# of the project; or runs as a task of its own: a lifespan, a worker's task)
# and uses the registry in it must remove it before the key goes away, even
# when other code of the project removes its own scopes (realbugs9/01: the
# lifespan's "startup" scope kept its connection idle in transaction).
# Convention: the finding is on what opens the scope (the set() or the with),
# or on the first use for a task keyed by current_task.
import asyncio
import uuid
from asyncio import current_task
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

import dramatiq
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
factory = async_sessionmaker(engine, expire_on_commit=False)
_scope_id: ContextVar[str] = ContextVar("scope_id")


def _current_scope() -> str:
    return _scope_id.get()


db_session = async_scoped_session(factory, scopefunc=_current_scope)
task_session = async_scoped_session(factory, scopefunc=current_task)


@contextmanager
def session_scope(scope=None):
    token = _scope_id.set(scope or uuid.uuid4().hex)
    try:
        yield
    finally:
        _scope_id.reset(token)


@asynccontextmanager
async def db_scope(scope=None):
    # Quiet: opens a scope and removes it; the with's body is the caller's.
    with session_scope(scope):
        try:
            yield
        finally:
            await db_session.remove()


async def load_names():
    return (await db_session.execute(text("select name from abi"))).all()


async def warm_up():
    with session_scope("warm-up"):  # expect: SL103 "opens a new scope of `db_session`"
        await load_names()


async def set_by_hand():
    _scope_id.set("by-hand")  # expect: SL103 "the ContextVar `_scope_id`"
    await db_session.execute(text("select 1"))


async def warm_up_fixed():
    # Quiet: the project's context manager removes the scope it opens.
    async with db_scope("warm-up"):
        await load_names()


async def warm_up_finally():
    # Quiet: removed in a finally inside the scope.
    with session_scope("warm-up"):
        try:
            await load_names()
        finally:
            await db_session.remove()


async def removed_on_the_normal_path():
    with session_scope():  # expect: SL103 "outside a finally"
        await load_names()
        await db_session.remove()


async def scope_without_use():
    # Quiet: the scope is opened but the registry is not used in it.
    with session_scope():
        return 1


async def inside_callers_scope():
    # Quiet: uses the registry in whatever scope its caller opened.
    await load_names()


app = FastAPI()


@app.middleware("http")
async def scope_per_request(request: Request, call_next):
    # Quiet: the scope is removed when the request ends.
    with session_scope():
        try:
            return await call_next(request)
        finally:
            await db_session.remove()


@app.on_event("startup")
async def startup_counts():
    await task_session.execute(text("select count(*) from abi"))  # expect: SL103 "scopefunc=current_task"


@app.on_event("startup")
async def startup_counts_removed():
    # Quiet: the startup task removes its session.
    try:
        await task_session.execute(text("select count(*) from abi"))
    finally:
        await task_session.remove()


@dramatiq.actor
async def refresh_abis():
    await task_session.execute(text("update abi set relevance = 0"))  # expect: SL103 "task of its own"
    await task_session.commit()


async def poll_forever():
    await task_session.execute(text("select id from job"))  # expect: SL103 "task of its own"


async def poll_removed():
    # Quiet: the task removes its key's session before it ends.
    try:
        await task_session.execute(text("select id from job"))
    finally:
        await task_session.remove()


async def start_pollers():
    # Quiet here: each task is its own key, checked in its coroutine.
    asyncio.create_task(poll_forever())
    asyncio.ensure_future(poll_removed())
