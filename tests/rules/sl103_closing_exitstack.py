# contextlib.closing(x), ExitStack.enter_context(x) and
# ExitStack.callback(x.close) release x at their exit, but only from the
# moment they are set up: a call that raises between the acquisition and the
# registration still leaks.  SL103, reported on the acquisition.
import os
from contextlib import AsyncExitStack, ExitStack, closing

import asyncpg
import psycopg2
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
pg_pool = ThreadedConnectionPool(1, 20, DSN)


# the close is registered after a call that can raise.
def read_only_export():
    with ExitStack() as stack:
        conn = psycopg2.connect(DSN)  # expect: SL103
        conn.set_session(readonly=True)
        stack.callback(conn.close)
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM exports")
            return cur.fetchall()


# closing() wraps the connection only after the statement that can raise.
def server_settings():
    conn = psycopg2.connect(DSN)  # expect: SL103
    conn.set_client_encoding("UTF8")
    with closing(conn):
        with conn.cursor() as cur:
            cur.execute("SHOW ALL")
            return cur.fetchall()


# enter_context after a statement on the connection.
def dump_schema():
    conn = engine.connect()  # expect: SL103
    conn.execute(text("SET search_path TO reporting"))
    with ExitStack() as stack:
        stack.enter_context(conn)
        return conn.execute(text("SELECT table_name FROM information_schema.tables")).all()


# an await between connect and push_async_callback.
async def listen_for(channel, handler):
    async with AsyncExitStack() as stack:
        conn = await asyncpg.connect(DSN)  # expect: SL103
        await conn.add_listener(channel, handler)
        stack.push_async_callback(conn.close)
        await conn.execute("SELECT pg_sleep(60)")


# quiet: closing() directly around the acquisition.
def server_version():
    with closing(psycopg2.connect(DSN)) as conn:
        return conn.server_version


# quiet: callback registered right after the acquisition.
def export_all():
    with ExitStack() as stack:
        conn = psycopg2.connect(DSN)
        stack.callback(conn.close)
        conn.set_session(readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM exports")
            return cur.fetchall()


# quiet: ExitStack.callback(pool.putconn, conn) gives a pooled connection
# back at the stack's exit.
def pooled_export():
    with ExitStack() as stack:
        conn = pg_pool.getconn()
        stack.callback(pg_pool.putconn, conn)
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM exports")
            return cur.fetchall()


# quiet: several sessions entered in a loop, all closed by the stack.
def shard_counts(shard_makers):
    with ExitStack() as stack:
        sessions = [stack.enter_context(make()) for make in shard_makers]
        return [s.scalar(text("SELECT count(*) FROM events")) for s in sessions]


# quiet: enter_context on a sessionmaker instance, then a return.
def count_events():
    with ExitStack() as stack:
        db = stack.enter_context(SessionLocal())
        return db.scalar(text("SELECT count(*) FROM events"))
