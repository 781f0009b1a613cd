# select: SL303
# SL303 on the drivers' own pools: a session-level setting run on a
# connection of psycopg2's pool or psycopg_pool's (or on a cursor of one),
# committed, and put back. Neither pool resets a connection's settings when
# it comes back (psycopg2's rolls back an open transaction, psycopg_pool's
# too, and runs a reset= callback only when given one), so the connection
# keeps it for whoever gets it next and the pool's other connections never
# have it. asyncpg's pool runs RESET ALL at release: quiet.
# Convention: the finding is on the execute() that sets it.
from contextlib import contextmanager

import asyncpg
import psycopg
import psycopg2
from fastapi import FastAPI
from psycopg import sql as pgsql
from psycopg2 import sql
from psycopg2.pool import ThreadedConnectionPool
from psycopg_pool import ConnectionPool

pg2pool = ThreadedConnectionPool(2, 10, dsn="dbname=app")
pgpool = ConnectionPool("dbname=app", min_size=2)
app = FastAPI()


@contextmanager
def get_cursor():
    conn = pg2pool.getconn()
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    finally:
        pg2pool.putconn(conn)


@contextmanager
def get_cursor_reset():
    conn = pg2pool.getconn()
    try:
        yield conn.cursor()
        conn.commit()
    finally:
        with conn.cursor() as cur:
            cur.execute("RESET ALL")
        conn.commit()
        pg2pool.putconn(conn)


@contextmanager
def get_cursor_rollback():
    conn = pg2pool.getconn()
    try:
        yield conn.cursor()
    finally:
        conn.rollback()
        pg2pool.putconn(conn)


# Bad: start-up code sets the schema on one connection of the pool.
def use_schema(schema: str) -> None:
    conn = pg2pool.getconn()
    cur = conn.cursor()
    cur.execute("SET search_path TO app, public")  # expect: SL303 "pool's other connections"
    conn.commit()
    pg2pool.putconn(conn)


# Bad: through a helper that commits and puts the connection back after its
# yield, with psycopg2's sql.SQL(...).format(...) (squeaknode#187).
def use_schema_helper(schema: str) -> None:
    stmt = sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema))
    with get_cursor() as cur:
        cur.execute(stmt)  # expect: SL303 "(on the connection `get_cursor()` lends"


# Bad: an f-string; `with conn:` commits at its exit.
def set_timeout(ms: int) -> None:
    conn = pg2pool.getconn()
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {ms}")  # expect: SL303
    finally:
        pg2pool.putconn(conn)


# Bad: autocommit, nothing to commit.
def set_role_autocommit() -> None:
    conn = pg2pool.getconn()
    conn.autocommit = True
    conn.cursor().execute("SET ROLE reporting")  # expect: SL303
    pg2pool.putconn(conn)


# Bad: psycopg_pool's connection() commits and puts back at the block's exit.
def warm_up() -> None:
    with pgpool.connection() as conn:
        conn.execute("SET search_path TO app")  # expect: SL303 "`search_path`"


# Bad: psycopg 3's sql.SQL, getconn and putconn.
def pg3_schema(schema: str) -> None:
    conn = pgpool.getconn()
    conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(schema)))  # expect: SL303
    conn.commit()
    pgpool.putconn(conn)


# Bad: in a request, the next request gets the tenant.
@app.get("/orgs/{org}/notes")
def list_notes(org: str):
    with pgpool.connection() as conn:
        conn.execute("SELECT set_config('app.org', %s, false)", (org,))  # expect: SL303 "next request"
        return conn.execute("SELECT body FROM notes").fetchall()


# Quiet: per transaction.
def use_schema_local() -> None:
    conn = pg2pool.getconn()
    cur = conn.cursor()
    cur.execute("SET LOCAL search_path TO app, public")
    cur.execute("SELECT set_config('app.org', 'x', true)")
    conn.commit()
    pg2pool.putconn(conn)


# Quiet: never committed; putconn rolls the transaction back, and the SET with it.
def use_schema_uncommitted() -> None:
    conn = pg2pool.getconn()
    cur = conn.cursor()
    cur.execute("SET search_path TO app, public")
    cur.execute("SELECT 1")
    pg2pool.putconn(conn)


# Quiet: reset before it goes back.
def use_schema_reset() -> None:
    conn = pg2pool.getconn()
    cur = conn.cursor()
    cur.execute("SET search_path TO app, public")
    cur.execute("SELECT * FROM notes")
    conn.commit()
    cur.execute("RESET search_path")
    conn.commit()
    pg2pool.putconn(conn)


# Quiet: the pool closes it instead of keeping it.
def use_schema_close() -> None:
    conn = pg2pool.getconn()
    cur = conn.cursor()
    cur.execute("SET search_path TO app, public")
    conn.commit()
    pg2pool.putconn(conn, close=True)


# Quiet: the helper resets every connection before it puts it back.
def use_schema_helper_reset() -> None:
    with get_cursor_reset() as cur:
        cur.execute("SET search_path TO app, public")


# Quiet: the helper rolls back, which undoes the SET.
def use_schema_helper_rollback() -> None:
    with get_cursor_rollback() as cur:
        cur.execute("SET search_path TO app, public")


# Quiet: a connection of its own, not pooled; closed at the end.
def own_connection() -> None:
    conn = psycopg2.connect("dbname=app")
    cur = conn.cursor()
    cur.execute("SET search_path TO app, public")
    conn.commit()
    conn.close()


# Quiet: the connection is handed to the caller, which decides.
def checkout_with_schema():
    conn = pg2pool.getconn()
    conn.cursor().execute("SET search_path TO app, public")
    conn.commit()
    return conn


# Quiet: every connection the pool holds gets it (those it opens later would
# not, but this is the code's attempt at all of them, not one connection).
def warm_all(n: int) -> None:
    conns = [pg2pool.getconn() for _ in range(n)]
    for conn in conns:
        conn.cursor().execute("SET search_path TO app, public")
        conn.commit()
    for conn in conns:
        pg2pool.putconn(conn)


# Quiet: psycopg_pool's configure= runs on every new connection: the fix.
def configure(conn: psycopg.Connection) -> None:
    conn.execute("SET search_path TO app")
    conn.commit()


configured = ConnectionPool("dbname=app", configure=configure)


# Quiet: asyncpg's pool runs RESET ALL when the connection is released.
async def asyncpg_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SET search_path TO app")
