# SL108: an engine (and with it a connection pool) made inside a function
# that runs per request, and dropped there: the connections it opened stay
# open until the garbage collector finds it.  Quiet when the engine leaves
# the function, is cached, disposed, has no pool (NullPool), is SQLite's,
# or is made by start-up code.
# Convention: the finding is on the create_engine(...) call.
import os
from contextlib import asynccontextmanager
from functools import lru_cache

import pandas as pd
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

DATABASE_URL = os.environ["DATABASE_URL"]
engines = {}
shared = None


def check_database(url: str) -> str:
    try:
        engine = create_engine(url)  # expect: SL108 "on every call of `check_database`"
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        return "healthy"
    except Exception:
        return "unhealthy"


async def count_rows(table: str) -> int:
    async with create_async_engine(DATABASE_URL).connect() as conn:  # expect: SL108 "dropped at once"
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


def report(query: str):
    engine = create_engine(DATABASE_URL)  # expect: SL108
    return pd.read_sql(query, engine)


# Quiet: disposed.
def check_disposed(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    return "healthy"


# Quiet: no pool, nothing kept open.
def check_unpooled(url: str) -> str:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "healthy"


# Quiet: SQLite, in-process.
def scratch_db():
    engine = create_engine("sqlite:///:memory:")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x int)"))


# Quiet: returned to the caller, who keeps it.
def make_engine(url: str):
    engine = create_engine(url, pool_pre_ping=True)
    return engine


# Quiet: cached, made once.
@lru_cache
def get_engine():
    engine = create_engine(DATABASE_URL)
    return engine


# Quiet: kept in a registry, per tenant.
def tenant_engine(tenant: str):
    engine = create_engine(f"{DATABASE_URL}_{tenant}")
    engines[tenant] = engine
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


# Quiet: kept in a global.
def init_engine():
    global shared
    shared = create_engine(DATABASE_URL)


# Quiet: handed to a maker the caller gets back.
def session_factory(url: str):
    engine = create_engine(url)
    return sessionmaker(bind=engine)


# Quiet: start-up code, once per process (the request path below reaches it
# too, but start-up makes it a one-off).
def migrate():
    engine = create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))


@asynccontextmanager
async def lifespan(app: FastAPI):
    migrate()
    yield


app = FastAPI(lifespan=lifespan)


def get_db():
    engine = create_engine(DATABASE_URL)  # expect: SL108 "on every call of `get_db`"
    db = Session(engine)
    try:
        yield db
    finally:
        db.close()


# execution_options() makes an engine over the same pool: the pool is
# dropped with it, or kept with it.
def autocommit_check(url: str) -> int:
    with create_engine(url).execution_options(isolation_level="AUTOCOMMIT").connect() as conn:  # expect: SL108 "dropped at once"
        return conn.execute(text("SELECT 1")).scalar_one()


class Warehouse:
    # quiet: the engine over the pool is kept on the object
    def __init__(self, url: str):
        self._engine = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")


def warehouse_engine(url: str):
    # quiet: returned, pool and all
    engine = create_engine(url)
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@app.get("/health")
def health():
    return {"database": check_database(DATABASE_URL), "rows": report("SELECT 1"),
            "autocommit": autocommit_check(DATABASE_URL), "dw": Warehouse(DATABASE_URL),
            "dw2": warehouse_engine(DATABASE_URL)}


@app.get("/tables/{table}")
async def table_size(table: str):
    return {"rows": await count_rows(table)}


# Quiet in request code, the engine outside it: a worker's function is
# service code, reported with --context all only.
def nightly_cleanup():
    engine = create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sessions WHERE expired"))


@app.post("/admin/migrate")
def admin_migrate(db: Session = Depends(get_db)):
    migrate()
    return {"ok": True}
