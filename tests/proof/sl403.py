"""SL403 bad-database-url: a literal URL whose driver the dialect does not
register.

The page's bad URL fails at startup: create_async_engine() cannot load the
plugin `cockroachdb.async` (NoSuchModuleError).  Debian does not package
sqlalchemy-cockroachdb, so the proof registers the four names that package
registers (its entry points cockroachdb, cockroachdb.psycopg2,
cockroachdb.asyncpg, cockroachdb.psycopg), backed by SQLAlchemy's own
PostgreSQL dialects: cockroachdb+asyncpg:// then loads and +async still
does not.  The fixed example reads the URL from the environment; here it
names this proof's PostgreSQL server, and the engine connects.  Only the unknown-driver part of the rule is something
a run can show: a password in the literal or sslmode=disable work, and
postgresql:// at CockroachDB's port needs a CockroachDB server.
"""
# needs: sqlalchemy asyncpg
import asyncio
import os

from sqlalchemy import text
from sqlalchemy.dialects import registry
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.ext.asyncio import create_async_engine

import proof


# The page's bad example.
def make_engine():
    DATABASE_URL = "cockroachdb+async://app:s3cret@db.example.com:26257/shop"  # expect: SL403
    return create_async_engine(DATABASE_URL)


# The page's fixed example.
def make_engine_fixed():
    # cockroachdb+asyncpg://app@db.example.com:26257/shop, from the environment
    DATABASE_URL = os.environ["DATABASE_URL"]
    return create_async_engine(DATABASE_URL)


async def select_one(engine):
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT 1"))).scalar()
    finally:
        await engine.dispose()


def register_cockroachdb_names():
    """The dialect names sqlalchemy-cockroachdb registers (stand-ins)."""
    pg = "sqlalchemy.dialects.postgresql"
    registry.register("cockroachdb", pg + ".psycopg2", "PGDialect_psycopg2")
    registry.register("cockroachdb.psycopg2", pg + ".psycopg2", "PGDialect_psycopg2")
    registry.register("cockroachdb.asyncpg", pg + ".asyncpg", "PGDialect_asyncpg")
    if proof.version_tuple("sqlalchemy") >= (2, 0):
        registry.register("cockroachdb.psycopg", pg + ".psycopg", "PGDialectAsync_psycopg")


def body(p):
    register_cockroachdb_names()
    create_async_engine("cockroachdb+asyncpg://app@db.example.com:26257/shop")  # no connection yet
    os.environ["DATABASE_URL"] = "postgresql+asyncpg://"  # libpq's PG* variables say where
    p.check(asyncio.run(select_one(make_engine_fixed())) == 1, "fixed: SELECT 1 failed")
    p.fixed("URL from the environment: connected")
    e = p.raises(NoSuchModuleError, make_engine)
    p.check("cockroachdb.async" in str(e), "bad: %s" % e)
    p.bad(proof.exc_text(e))
    p.lint()


proof.run("SL403", body)
