# SL108 through the project's helpers: a function that returns a new
# engine each call (`return create_engine(...)`, a local bound once to one,
# another such helper) makes an engine wherever it is called, as the maker
# would.  Quiet when the helper keeps what it makes (a cache decorator, a
# module-level memo), returns the module's engine, has no pool, and when
# the caller disposes the engine, hands it on, or runs once at start-up.
import os
from contextlib import asynccontextmanager
from functools import lru_cache

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

REPORTING_URL = os.environ["REPORTING_URL"]
main_engine = create_engine(os.environ["DATABASE_URL"])
_by_region = {}
_by_shard = {}


def region_engine(region):
    return create_engine(f"postgresql+psycopg://ro@{region}.db/app", pool_size=2)


def reporting_engine():
    eng = create_async_engine(REPORTING_URL, pool_pre_ping=True)
    return eng


def archive_engine(year):
    return region_engine(f"archive-{year}")


@lru_cache
def cached_region_engine(region):
    return create_engine(f"postgresql+psycopg://ro@{region}.db/app")


def memo_region_engine(region):
    if region not in _by_region:
        _by_region[region] = create_engine(f"postgresql+psycopg://ro@{region}.db/app")
    return _by_region[region]


def memo_shard_engine(shard):
    eng = create_engine(f"postgresql+psycopg://app@{shard}.db/app")
    _by_shard[shard] = eng
    return eng


def default_engine():
    return main_engine


def probe_engine(url):
    return create_engine(url, poolclass=NullPool)


@app.get("/region_total")
def region_total(region):
    eng = region_engine(region)  # expect: SL108 "made by `region_engine` on every call of `region_total`"
    with eng.connect() as conn:
        return conn.execute(text("SELECT sum(total) FROM orders")).scalar()


@app.get("/reporting_rows")
async def reporting_rows():
    async with reporting_engine().connect() as conn:  # expect: SL108 "by `reporting_engine`"
        return (await conn.execute(text("SELECT * FROM report"))).all()


@app.get("/archive_count")
def archive_count(year):
    eng = archive_engine(year)  # expect: SL108 "by `archive_engine`"
    with eng.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM orders")).scalar()


# quiet: cached, memoized, shared or unpooled engines
@app.get("/cached_total")
def cached_total(region):
    eng = cached_region_engine(region)
    with eng.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()


@app.get("/memo_total")
def memo_total(region):
    eng = memo_region_engine(region)
    with eng.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()


@app.get("/shard_total")
def shard_total(shard):
    eng = memo_shard_engine(shard)
    with eng.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()


@app.get("/default_total")
def default_total():
    eng = default_engine()
    with eng.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()


@app.get("/probe")
def probe(url):
    eng = probe_engine(url)
    with eng.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar()


# quiet: the caller disposes it, or hands it on
@app.get("/region_total_disposed")
def region_total_disposed(region):
    eng = region_engine(region)
    try:
        with eng.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar()
    finally:
        eng.dispose()


def region_engine_for(region):
    eng = region_engine(region)
    return eng


# quiet: made once, at module level and at start-up (lifespan, above)
west_engine = region_engine("west")


# quiet: only its attributes are read, nothing connects through it: no pool is opened
@app.get("/region-url")
def region_url(region):
    eng = region_engine(region)
    return {"url": str(eng.url), "dialect": eng.dialect.name}
