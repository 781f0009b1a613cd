"""Blind cases: closing(), ExitStack, psycopg2 vs psycopg 3 `with conn:`, raw connections."""
from contextlib import ExitStack, closing

import psycopg
import psycopg2
from sqlalchemy import create_engine, text

eng = create_engine("postgresql://w@db/w")


# Good: contextlib.closing around a psycopg2 connection; cursor in its own with.
def export_csv(path):
    with closing(psycopg2.connect("dbname=w")) as conn:
        with conn.cursor() as cur:
            cur.execute("select * from t")
            return cur.fetchall()


# Good: ExitStack.enter_context for connection and cursor.
def export_stack():
    with ExitStack() as stack:
        conn = stack.enter_context(psycopg.connect("dbname=w"))
        cur = stack.enter_context(conn.cursor())
        cur.execute("select 1")
        return cur.fetchone()


# Good: ExitStack.callback(conn.close).
def export_callback():
    with ExitStack() as stack:
        conn = psycopg2.connect("dbname=w")
        stack.callback(conn.close)
        conn.commit()


# Bad: psycopg2 `with conn:` only ends the transaction, the connection is never closed.
def pg2_with_only():
    conn = psycopg2.connect("dbname=w")  # expect: SL103
    with conn:
        with conn.cursor() as cur:
            cur.execute("select 1")


# Bad: psycopg2 connect used directly as a with target does not close.
def pg2_with_target():
    with psycopg2.connect("dbname=w") as conn:  # expect: SL103
        conn.commit()


# Good: psycopg 3 `with psycopg.connect()` closes.
def pg3_with_target():
    with psycopg.connect("dbname=w") as conn:
        conn.execute("select 1")


# Good: psycopg 3 `with conn:` on a connection from connect closes it.
def pg3_with_name():
    conn = psycopg.connect("dbname=w")
    with conn:
        conn.execute("select 1")


# Good: psycopg2 `with conn:` inside try/finally that closes.
def pg2_with_finally():
    conn = psycopg2.connect("dbname=w")
    try:
        with conn:
            conn.commit()
    finally:
        conn.close()


# Bad: engine.raw_connection() closed only on the normal path.
def raw_copy():
    raw = eng.raw_connection()  # expect: SL103
    cur = raw.cursor()
    cur.execute("select 1")
    raw.close()


# Good: raw connection closed in finally; its cursor goes with it.
def raw_copy_ok():
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("select 1")
        raw.commit()
    finally:
        raw.close()


# Bad: engine.connect() without with/finally.
def sa_connect_leak():
    c = eng.connect()  # expect: SL103
    c.execute(text("select 1"))
    c.close()


# Good: engine.begin() as a context manager.
def sa_begin_ok():
    with eng.begin() as c:
        c.execute(text("select 1"))


# Good: closing() around a SQLAlchemy Connection.
def sa_closing():
    with closing(eng.connect()) as c:
        c.execute(text("select 1"))


# Bad: psycopg 3 connection closed only on the normal path.
def pg3_manual():
    conn = psycopg.connect("dbname=w")  # expect: SL103
    conn.execute("select 1")
    conn.close()


# Good: async psycopg 3 connection with async with.
async def pg3_async():
    async with await psycopg.AsyncConnection.connect("dbname=w") as aconn:
        await aconn.execute("select 1")


# Bad: async psycopg 3 connection closed only on the normal path.
async def pg3_async_manual():
    aconn = await psycopg.AsyncConnection.connect("dbname=w")  # expect: SL103
    await aconn.execute("select 1")
    await aconn.close()
