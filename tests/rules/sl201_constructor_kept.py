# SL201 through a constructor: a module-level instance whose constructor
# keeps a session made at import, handed to it as an argument (its
# __init__ stores the parameter on self) or made by a record class's
# generated __init__ (a dataclass's, attrs', a NamedTuple's, a pydantic
# model's field: its default factory, its default), is one session for every
# request.  Convention: the finding is on the module-level instance.
from dataclasses import KW_ONLY, dataclass, field
from typing import ClassVar, NamedTuple

import attr
import attrs
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://app@db/app")
Maker = sessionmaker(bind=engine)
AsyncMaker = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI()


class Gateway:
    def __init__(self, timeout, session, retries=3):
        self.timeout = timeout
        self._s = session
        self.retries = retries


gateway = Gateway(timeout=5, session=Maker())  # expect: SL201 "keeps on gateway._s the session made for it at import"


class Mirror(Gateway):
    pass


mirror = Mirror(10, Maker())  # expect: SL201 "keeps on mirror._s"


@dataclass
class AppContext:
    name: str
    session: Session
    flags: list = field(default_factory=list)


ctx_kw = AppContext(name="api", session=Maker())  # expect: SL201 "ctx_kw.session"
ctx_pos = AppContext("api", Maker())  # expect: SL201 "ctx_pos.session"


@dataclass
class Lazy:
    tag: str = "x"
    db: Session = field(default_factory=Maker)


lazy = Lazy()  # expect: SL201 "its field's default factory makes at import"


@dataclass
class Boxed:
    db: Session = field(default_factory=lambda: Maker())


boxed = Boxed()  # expect: SL201 "boxed.db"


@dataclass
class Options:
    tag: str
    _: KW_ONLY
    db: Session


options = Options("t", db=Maker())  # expect: SL201 "options.db"


@dataclass
class Pinned:
    db: Session = Maker()


pinned = Pinned()  # expect: SL201 "made once with the class"


@attrs.define
class Registry:
    db: Session = attrs.field(factory=Maker)


registry = Registry()  # expect: SL201 "registry.db"


@attr.s
class OldStyle:
    _conn = attr.ib(default=attr.Factory(Maker))


old_style = OldStyle()  # expect: SL201 "old_style._conn"


class Deps(NamedTuple):
    db: Session
    region: str


deps = Deps(Maker(), "eu")  # expect: SL201 "deps.db"


class Services(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    db: AsyncSession


services = Services(db=AsyncMaker())  # expect: SL201 "services.db"


@app.get("/all")
async def everything():
    await services.db.execute(text("SELECT 1"))
    return [
        gateway._s.execute(text("SELECT 1")).all(),
        mirror._s.execute(text("SELECT 1")).all(),
        ctx_kw.session.get(dict, 1),
        ctx_pos.session.get(dict, 1),
        lazy.db.get(dict, 1),
        boxed.db.get(dict, 1),
        options.db.get(dict, 1),
        pinned.db.get(dict, 1),
        registry.db.get(dict, 1),
        old_style._conn.get(dict, 1),
        deps.db.get(dict, 1),
    ]


# Quiet: the sessionmaker kept (a factory, fine to share), a list, fields
# set per request, a spread, instances made per request or never read by
# any function, a parameter's default (reported where the def is).


@dataclass
class Factories:
    maker: sessionmaker = Maker
    cache: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)
    shared: ClassVar[int] = 0
    current: Session = field(init=False, default=None)


factories = Factories()
factories_kw = Factories(maker=Maker)


class Holder:
    def __init__(self, maker, db=None):
        self.maker = maker
        self.db = db


holder = Holder(Maker)
spread_args = {"maker": Maker}
spread = Holder(**spread_args)


class Defaulted:
    def __init__(self, db=Maker()):  # expect: SL201 "default argument value"
        self.db = db


defaulted = Defaulted()


class Settings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    dsn: str = "postgresql://app@db/app"
    makers: sessionmaker = Maker


settings = Settings()
unread = AppContext("cli", Maker())


def get_context():
    context = AppContext("req", Maker())
    try:
        yield context
    finally:
        context.session.close()


@app.get("/quiet")
def quiet(context: AppContext = Depends(get_context)):
    with factories.maker() as db:
        factories.current = db
        rows = db.execute(text("SELECT 1")).all()
    per_request = Lazy()
    try:
        per_request.db.execute(text("SELECT 1"))
    finally:
        per_request.db.close()
    with holder.maker() as own, settings.makers() as other:
        own.execute(text("SELECT 1"))
        other.execute(text("SELECT 1"))
    return rows, factories_kw.rows, spread.db, defaulted.db, context.name
