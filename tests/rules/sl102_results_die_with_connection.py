# SL102: the Result of a sync connection's or session's execute() reads its
# rows from the connection's DB-API cursor as it is iterated, and a DB-API
# cursor dies with its connection: psycopg2 refuses a fetch once the
# connection is closed, which the pool does to an overflow connection given
# back (and NullPool to every one), and a pool that keeps it may have lent
# it to another thread already.  Reading either after the connection was
# released, or returning either from inside the `with` that releases the
# connection, is a use after release.  Traps: rows fetched inside the
# block; attributes the result keeps (rowcount); async results, which the
# drivers buffer at execute; a borrowed session's result; rows streamed
# while the block is open.
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
aengine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = sessionmaker(bind=engine)
pool = ConnectionPool("postgresql://app@db/app", open=True)


def run_query(sql):
    with engine.connect() as conn:
        return conn.execute(text(sql))  # expect: SL102 "inside the `with` block that releases its connection"


def unlock(key):
    conn = engine.connect()
    try:
        result = conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        conn.close()
    return result.scalar()  # expect: SL102 "read after its connection was released"


def names():
    with SessionLocal() as session:
        found = session.scalars(select(text("name")))
    return [n for n in found]  # expect: SL102 "read after its connection was released"


def open_feed(tag):
    with pool.connection() as conn:
        cur = conn.cursor(name="feed")
        cur.execute("SELECT id FROM posts WHERE tag = %s", (tag,))
        return cur  # expect: SL102 "cursor `cur` is returned from inside the `with` block"


# Quiet: the rows are fetched while the connection is ours.
def fetched(sql):
    with engine.connect() as conn:
        result = conn.execute(text(sql))
        rows = result.all()
    return rows, result.rowcount


def fetched_in_finally_order(key):
    conn = engine.connect()
    try:
        result = conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return result.scalar()
    finally:
        conn.close()


# Quiet: an async result is buffered when execute() returns.
async def async_rows():
    async with aengine.connect() as conn:
        result = await conn.execute(text("SELECT 1"))
    return result.all()


# Quiet: a session the caller owns outlives this function.
def by_caller(session: Session):
    return session.execute(text("SELECT 1"))


# Quiet: rows streamed out while the block is still open.
def stream_rows():
    with engine.connect() as conn:
        result = conn.execute(text("SELECT id FROM t"))
        for row in result:
            yield row

