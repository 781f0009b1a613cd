# Quiet shapes the value model met on real code once it could see engines
# returned by functions (issue 12): each was a false report on a public
# repository before the capability below it was added.
import os
from contextlib import contextmanager
from typing import Callable, Generator

from fastapi import Depends, FastAPI, Request
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

app = FastAPI()


def get_engine() -> Engine:
    return create_engine(os.environ["DATABASE_URL"])


async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncMaker = async_sessionmaker(async_engine)


# the connections a comprehension makes are the list's; the loop closes them
def warm_up(n: int = 10) -> None:
    engine = get_engine()
    connections = [engine.connect() for _ in range(n)]
    for conn in connections:
        conn.execute(text("SELECT 1"))
    for conn in connections:
        conn.close()


async def warm_up_async(n: int = 10) -> None:
    conns = [await async_engine.connect() for _ in range(n)]
    for conn in conns:
        await conn.close()


# Connection.execution_options() returns the connection itself: the with
# block closes it
def schema_session(schema: str) -> Generator[Session, None, None]:
    engine = get_engine()
    with engine.connect().execution_options(schema_translate_map={None: schema}) as connection:
        session = Session(bind=connection)
        try:
            yield session
        finally:
            session.close()


# sessions of a sessionmaker bound to a connection use that connection: the
# connection's owner releases it
@contextmanager
def rolled_back_factory(engine: Engine) -> Generator[Callable[[], Session], None, None]:
    with engine.connect() as conn:
        outer = conn.begin()
        maker = sessionmaker(bind=conn)

        def make_session() -> Session:
            s = maker()
            s.begin_nested()
            return s

        try:
            yield make_session
        finally:
            outer.rollback()


# a scoped_session scoped by the request's own id is per request, not per
# thread
request_ids: dict = {}


def current_request_id() -> int:
    return 0


@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    registry = scoped_session(sessionmaker(bind=get_engine()), scopefunc=current_request_id)
    request.state.db = registry()
    try:
        return await call_next(request)
    finally:
        request.state.db.close()
        registry.remove()


# `async with Wrapper(db) as ctx` runs the wrapper's __aexit__, which does not
# close the session it keeps
async def get_db():
    async with AsyncMaker() as s:
        yield s


class UpdateContext:
    def __init__(self, session: AsyncSession, item: int) -> None:
        self.session = session
        self.item = item

    async def __aenter__(self) -> "UpdateContext":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.flush()


class Service:
    async def cancel(self, session: AsyncSession, items: list) -> None:
        for item in items:
            async with UpdateContext(session, item) as ctx:
                await session.execute(text("UPDATE items SET state = 'cancelled' WHERE id = :i"), {"i": ctx.item})


service = Service()


@app.post("/cancel")
async def cancel(items: list, db: AsyncSession = Depends(get_db)):
    await service.cancel(db, items)


# an entry of the caller's dict (a parameter) keeps what is stored in it:
# whoever passed the dict closes it
Factory = sessionmaker(bind=get_engine())


def attach_session(context: dict, next_step) -> None:
    if not context.get("db_session"):
        db_session = Factory()
        context["db_session"] = db_session
    next_step()


# Connection.begin() and building a sessionmaker send nothing to the
# database: nothing between connect() and the try can fail
@contextmanager
def ephemeral_factory(engine: Engine) -> Generator[sessionmaker, None, None]:
    conn = engine.connect()
    outer = conn.begin()
    maker = sessionmaker(bind=conn, expire_on_commit=False)
    try:
        yield maker
    finally:
        outer.rollback()
        conn.close()


# a nested function that closes the session, registered to run at exit
def start_shell() -> None:
    import atexit

    session = Factory()

    def cleanup() -> None:
        session.close()

    atexit.register(cleanup)
    session.execute(text("SELECT 1"))


# cast() says what a value is; it makes nothing
from typing import cast

FAKE_DB = cast(Session, object())


def uses_fake() -> Session:
    return FAKE_DB
