#!/usr/bin/env python3
"""test_sites.py - the operators of the mutation check on small sources of
our own: each case gives a module, the operator, and either the edit
expected at its one site (the lines removed and added) or that it has no
site (a place that is not a real defect once mutated).  `make mutation` runs it first.

Usage: tests/mutation/test_sites.py [-v]; the last line is `N passed, N failed`.
"""
import ast
import difflib
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
from sqlalchemy.orm import Session, sessionmaker

router = APIRouter()
engine = create_engine("postgresql://localhost/shop")
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://localhost/shop"))
"""

# (name, operator, body after HEADER, the edit expected: its removed (-) and
# added (+) lines in order, as a unified diff without context; None: no site)
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
-    try:
-        # the query
-        return db.execute(text("select 1")).scalar()
-    finally:
-        db.close()
+    # the query
+    return db.execute(text("select 1")).scalar()
+    db.close()
"""),
    ("drop-finally keeps handlers that re-raise", "drop-finally", """
def rename(item_id, name):
    session = SessionLocal()
    try:
        session.execute(text("update items set name = :n where id = :i"), {"n": name, "i": item_id})
    except KeyError as exc:
        print("rename failed", exc)
        raise
    finally:
        session.close()
""", """
-    finally:
-        session.close()
+    session.close()
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
-    with engine.connect() as conn:
-        rows = conn.execute(text(
-            "select name from items"))
-        n = len(list(rows))
-        return n
+    conn = engine.connect()
+    rows = conn.execute(text(
+        "select name from items"))
+    n = len(list(rows))
+    conn.close()
+    return n
"""),
    ("with-to-close awaits an async close", "with-to-close", """
async def total():
    async with AsyncSessionLocal() as session:
        await session.execute(text("select 1"))
""", """
-    async with AsyncSessionLocal() as session:
-        await session.execute(text("select 1"))
+    session = AsyncSessionLocal()
+    await session.execute(text("select 1"))
+    await session.close()
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
    ("unguard-yield takes the try/finally off an async dependency", "unguard-yield", """
async def provide_session():
    session = AsyncSessionLocal()
    try:
        yield session
    finally:
        await session.close()
""", """
-    try:
-        yield session
-    finally:
-        await session.close()
+    yield session
+    await session.close()
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
+        pool.putconn(conn)
"""),
    ("gather-one-session adds the gather and its import", "gather-one-session", """
async def totals(session: AsyncSession):
    first = await session.execute(text("select 1"))
    return first.scalar()
""", """
+    await asyncio.gather(session.execute(text("select 1")), session.execute(text("select 1")))
"""),
    ("unwrap-text unwraps a text() over two lines", "unwrap-text", """
def names(session):
    return session.execute(text(
        "select name from items"
    )).all()
""", """
-    return session.execute(text(
+    return session.execute(
-    )).all()
+    ).all()
"""),
    ("module-session moves an endpoint's session to module level", "module-session", """
@router.get("/items")
def items():
    db = SessionLocal()
    rows = db.execute(text("select 1")).all()
    db.close()
    return rows
""", """
+db = SessionLocal()
-    db = SessionLocal()
"""),
    ("module-session turns an endpoint's with into a module-level session", "module-session", """
@router.get("/names")
async def names():
    async with AsyncSessionLocal() as session:
        result = await session.execute(text("select name from items"))
    return result.all()
""", """
+session = AsyncSessionLocal()
-    async with AsyncSessionLocal() as session:
-        result = await session.execute(text("select name from items"))
+    result = await session.execute(text("select name from items"))
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

BOUND_CASE = """
def get_db():
    with engine.connect() as connection:
        with Session(bind=connection) as db:
            yield db
"""


def edit_of(before, after):
    """The removed and added lines of a mutant, without context."""
    return "".join(line for line in difflib.unified_diff(
        before.splitlines(True), after.splitlines(True), n=0)
        if not line.startswith(("---", "+++", "@@")))


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
        got = edit_of(HEADER + textwrap.dedent(body), text)
        ok = got == want.lstrip("\n") and bool(anchors)
        why = "the edit differs:\n" + got
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
    _, found = sites_of(BOUND_CASE, "unguard-yield")
    ok = [(f.expect, f.group) for f in found] == [("SL104", ""), (None, "bound-session")]
    if verbose or not ok:
        print("%s a session bound to an outer with's connection expects nothing, "
              "the outer with still SL104"
              % ("ok  " if ok else "FAIL"))
    passed, failed = passed + ok, failed + (not ok)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
