# Helpers that return several resources at once, as a tuple display, and
# callers that unpack them: each name is bound to its own resource, a cursor
# to the connection it came from.
import functools
from contextlib import closing

import asyncpg
import psycopg2
from psycopg2.pool import SimpleConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

DSN = "postgresql://app@db/app"
POOL = SimpleConnectionPool(1, 4, DSN)
PROCESS_CONN = psycopg2.connect(DSN)  # expect: SL201
Session = sessionmaker(bind=create_engine(DSN))


def open_pair(dsn=DSN):
    conn = psycopg2.connect(dsn)
    return conn, conn.cursor()


def cursor_first():
    conn = psycopg2.connect(DSN)
    return conn.cursor(), conn


def open_three():
    conn = psycopg2.connect(DSN)
    return conn, conn.cursor(), {"retries": 3}


def relay():
    return open_pair()  # what the helper returns, returned onward


def relay_names():
    conn, cur = open_pair()
    return conn, cur


def load_account(account_id):
    session = Session()
    try:
        account = session.get(dict, account_id)
    except Exception:
        session.close()
        raise
    return session, account


def maybe_pair(flag):
    if not flag:
        return None, None
    conn = psycopg2.connect(DSN)
    return conn, conn.cursor()


async def open_async(dsn):
    conn = await asyncpg.connect(dsn)
    return conn, {"dsn": dsn}


def leaks_on_error(row):
    conn, cur = open_pair()  # expect: SL103 "if the call on line 67 raises"
    cur.execute("insert into t values (%s)", (row,))
    cur.close()
    conn.commit()
    conn.close()


def leaks_reversed(row):
    cur, conn = cursor_first()  # expect: SL103
    cur.execute("insert into t values (%s)", (row,))
    conn.commit()
    conn.close()


def leaks_through_relay(row):
    conn, cur = relay()  # expect: SL103
    cur.execute("insert into t values (%s)", (row,))
    conn.close()


def leaks_through_names(row):
    conn, cur = relay_names()  # expect: SL103
    cur.execute("insert into t values (%s)", (row,))
    conn.close()


def leaks_starred(row):
    conn, *rest = open_three()  # expect: SL103
    rest[0].execute("select 1")
    conn.close()


def early_return(account_id):
    session, account = load_account(account_id)  # expect: SL103 "returns on line 102"
    session.refresh(account)
    if account is None:
        return None
    name = account["name"]
    session.close()
    return name


def cursor_after_close(row):
    conn, cur = open_pair()
    try:
        conn.commit()
    finally:
        conn.close()
    cur.execute("select 1")  # expect: SL102 "cursor `cur` is used after it was released"


async def leaks_async(dsn, row):
    conn, meta = await open_async(dsn)  # expect: SL103
    await conn.execute("insert into t values ($1)", row)
    await conn.close()


def rebound_in_loop(rows):
    for row in rows:
        conn, cur = open_pair()  # expect: SL103 "rebound"
        cur.execute("insert into t values (%s)", (row,))
    conn.close()


# ---- quiet: the same shapes, released, or not the caller's to release


def closes_in_finally(row):
    conn, cur = open_pair()
    try:
        cur.execute("insert into t values (%s)", (row,))
        conn.commit()
    finally:
        cur.close()
        conn.close()


def closing_block(row):
    conn, cur = open_pair()
    with closing(conn):
        cur.execute("insert into t values (%s)", (row,))
        conn.commit()


def cursor_goes_with_connection(row):
    cur, conn = cursor_first()
    try:
        cur.execute("select name from t where id = %s", (row,))
        return cur.fetchone()
    finally:
        conn.close()


def borrowed_pair(conn):
    return conn, conn.cursor()


def global_pair():
    return PROCESS_CONN, PROCESS_CONN.cursor()


def uses_borrowed(row):
    own = psycopg2.connect(DSN)
    try:
        conn, cur = borrowed_pair(own)
        cur.execute("insert into t values (%s)", (row,))
        conn.commit()
    finally:
        own.close()


def uses_global(row):
    conn, cur = global_pair()
    cur.execute("insert into t values (%s)", (row,))
    conn.commit()


def returns_them_onward():
    conn, cur = open_pair()
    conn.autocommit = True
    return conn, cur


def relays_relay():
    return relay()


class Writer:
    def open(self):
        self.conn, self.cur = open_pair()  # kept by the object


def wrong_length():
    conn, cur, extra = open_pair()  # raises: nothing was bound
    extra.close()


@functools.lru_cache(maxsize=None)
def cached_pair():
    conn = psycopg2.connect(DSN)
    return conn, conn.cursor()


def uses_cached(row):
    conn, cur = cached_pair()
    cur.execute("insert into t values (%s)", (row,))


def pooled_pair():
    return POOL, POOL.getconn()


def gives_back(row):
    pool, conn = pooled_pair()
    try:
        conn.cursor().execute("insert into t values (%s)", (row,))
    finally:
        pool.putconn(conn)


def none_or_pair(flag, row):
    conn, cur = maybe_pair(flag)
    if conn is None:
        return
    try:
        cur.execute("insert into t values (%s)", (row,))
    finally:
        conn.close()


def star_takes_connection():
    *rest, cur = open_pair()
    rest[0].close()


async def closes_async(dsn, row):
    conn, meta = await open_async(dsn)
    try:
        await conn.execute("insert into t values ($1)", row)
    finally:
        await conn.close()
