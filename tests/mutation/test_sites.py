#!/usr/bin/env python3
"""test_sites.py - the operators of the mutation check on small sources of
our own: each case gives a module, the operator, and either the exact
mutant text expected for its one site or that it has no site (a place that
is not a real defect once mutated).  `make mutation` runs it first.

Usage: tests/mutation/test_sites.py [-v]; the last line is `N passed, N failed`.
"""
import ast
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sites  # noqa: E402

HEADER = """\
import asyncio
import psycopg2
import pytest
from contextlib import contextmanager
from fastapi import APIRouter
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

router = APIRouter()
engine = create_engine("postgresql://localhost/shop")
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://localhost/shop"))
"""

# (name, operator, body after HEADER, expected body of the mutant or None)
CASES = [
    ("drop-finally removes try and finally", "drop-finally", """
def count():
    db = SessionLocal()
    try:
        # the query
        return db.execute(text("select 1")).scalar()
    finally:
        db.close()
""", """
def count():
    db = SessionLocal()
    # the query
    return db.execute(text("select 1")).scalar()
    db.close()
"""),
    ("drop-finally keeps handlers that re-raise", "drop-finally", """
def save(item):
    db = SessionLocal()
    try:
        db.add(item)
        db.commit()
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()
""", """
def save(item):
    db = SessionLocal()
    try:
        db.add(item)
        db.commit()
    except Exception:
        db.rollback()
        raise
    db.close()
"""),
    ("drop-finally leaves a handler that swallows alone", "drop-finally", """
def save(item):
    db = SessionLocal()
    try:
        db.add(item)
    except Exception:
        pass
    finally:
        db.close()
""", None),
    ("with-to-close puts the close before a return that does not name it", "with-to-close", """
def names():
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select name from items"))
        n = len(list(rows))
        return n
""", """
def names():
    conn = engine.connect()
    rows = conn.execute(text(
        "select name from items"))
    n = len(list(rows))
    conn.close()
    return n
"""),
    ("with-to-close awaits an async close", "with-to-close", """
async def total():
    async with AsyncSessionLocal() as session:
        await session.execute(text("select 1"))
""", """
async def total():
    session = AsyncSessionLocal()
    await session.execute(text("select 1"))
    await session.close()
"""),
    ("with-to-close skips a context manager that yields a session", "with-to-close", """
@contextmanager
def scope():
    with SessionLocal() as s:
        yield s

def use():
    with scope() as s:
        s.execute(text("select 1"))
""", None),
    ("with-to-close skips psycopg2, whose with does not close", "with-to-close", """
def raw():
    with psycopg2.connect("dbname=shop") as conn:
        conn.commit()
""", None),
    ("with-to-close skips a return that hands the resource on", "with-to-close", """
def frame(q):
    with engine.connect() as con:
        return read_sql(q, con=con)
""", None),
    ("unguard-yield takes the try/finally off a dependency", "unguard-yield", """
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
""", """
def get_db():
    db = SessionLocal()
    yield db
    db.close()
"""),
    ("unguard-yield skips a with whose body closes in finally", "unguard-yield", """
async def get_session():
    async with AsyncSessionLocal() as session:
        try:
            yield session
        finally:
            await session.close()
""", None),
    ("double-putconn repeats the putconn", "double-putconn", """
def paid(pool, invoice):
    conn = pool.getconn()
    try:
        conn.commit()
    finally:
        pool.putconn(conn)
""", """
def paid(pool, invoice):
    conn = pool.getconn()
    try:
        conn.commit()
    finally:
        pool.putconn(conn)
        pool.putconn(conn)
"""),
    ("gather-one-session adds the gather and its import", "gather-one-session", """
async def totals(session: AsyncSession):
    first = await session.execute(text("select 1"))
    return first.scalar()
""", """
async def totals(session: AsyncSession):
    first = await session.execute(text("select 1"))
    await asyncio.gather(session.execute(text("select 1")), session.execute(text("select 1")))
    return first.scalar()
"""),
    ("unwrap-text unwraps a text() over two lines", "unwrap-text", """
def names(session):
    return session.execute(text(
        "select name from items"
    )).all()
""", """
def names(session):
    return session.execute(
        "select name from items"
    ).all()
"""),
    ("module-session moves an endpoint's session to module level", "module-session", """
@router.get("/items")
def items():
    db = SessionLocal()
    try:
        return db.execute(text("select 1")).all()
    finally:
        db.close()
""", """
db = SessionLocal()
@router.get("/items")
def items():
    try:
        return db.execute(text("select 1")).all()
    finally:
        db.close()
"""),
    ("module-session leaves code that serves no request alone", "module-session", """
def job():
    db = SessionLocal()
    db.close()
""", None),
]

FIXTURE_CASE = """
@pytest.fixture
def session():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
"""


def sites_of(body, op):
    src = HEADER + textwrap.dedent(body)
    m = sites.Module("app.py", src, ast.parse(src))
    return m, sites.sites(sites.Project([m]), m, [op])


def check(name, op, body, want, verbose):
    m, found = sites_of(body, op)
    if want is None:
        ok = not found
        why = "expected no site, found %d" % len(found)
    elif len(found) != 1:
        ok, why = False, "expected one site, found %d" % len(found)
    else:
        text, anchors, _ = found[0].build()
        compile(text, "app.py", "exec")
        got = text[len(HEADER):] if text.startswith(HEADER) else text
        ok = got == textwrap.dedent(want) and bool(anchors)
        why = "mutant differs:\n" + got
    if verbose or not ok:
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + why))
    return ok


def main(argv):
    verbose = "-v" in argv
    passed = failed = 0
    for name, op, body, want in CASES:
        if check(name, op, body, want, verbose):
            passed += 1
        else:
            failed += 1
    _, found = sites_of(FIXTURE_CASE, "unguard-yield")
    ok = len(found) == 1 and found[0].expect is None and found[0].group == "pytest-fixture"
    if verbose or not ok:
        print("%s a pytest fixture expects nothing" % ("ok  " if ok else "FAIL"))
    passed, failed = passed + ok, failed + (not ok)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
