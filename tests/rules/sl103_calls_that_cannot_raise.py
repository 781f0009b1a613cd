# SL103 on an exception path needs a call that can raise between the
# acquisition and the code that releases it.  A logging call (the logging
# module reports its own errors), a statement builder and a clock, id or
# random read of the standard library cannot; without an await between
# them, no cancellation arrives there either.  Bad: a query or an unknown
# project call there.
import logging
import time
import uuid
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

logger = logging.getLogger(__name__)


@asynccontextmanager
async def timed_connection(pool: asyncpg.Pool):
    start = time.monotonic()
    conn = await pool.acquire()
    if time.monotonic() - start > 0.05:
        logger.warning("slow acquire: %s idle", pool.get_idle_size())
    request_id = uuid.uuid4()
    stamp = datetime.now()
    try:
        yield conn, request_id, stamp
    finally:
        await pool.release(conn)


def record_start(conn):
    return conn


@asynccontextmanager
async def tagged_connection(pool: asyncpg.Pool):
    conn = await pool.acquire()  # expect: SL103 "if the call on line 39 raises"
    record_start(conn)
    try:
        yield conn
    finally:
        await pool.release(conn)
