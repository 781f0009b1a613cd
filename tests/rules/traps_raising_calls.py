# Which calls raise: a logging call does not (the logging module reports its
# own errors), so a factory that logs between acquiring and returning what
# it acquired leaks nothing.  When several calls can raise, the finding
# names the one that fails in practice: a database call or I/O before an
# unknown call, before session.add() and builtins.
import logging

import asyncpg
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)
SessionLocal = sessionmaker()


# quiet: the connection is the caller's; only a failed connect reaches the except
async def notify_connection(dsn):
    try:
        conn = await asyncpg.connect(dsn)
        log.info(f"listening on {dsn.split('@')[-1]}")
        return conn
    except Exception as e:
        log.error("cannot listen: %s", e)
        return None


# bad: named after the commit, not the log call or add()
def save(item):
    s = SessionLocal()  # expect: SL103 "if the call on line 33 raises"
    log.debug("saving %s", item)
    s.add(item)
    str(item)
    s.commit()
    s.close()


# bad: a database call inside print() still raises
def show_count():
    s = SessionLocal()  # expect: SL103 "if the call on line 40 raises"
    print(s.execute(text("SELECT count(*) FROM items")).scalar())
    s.close()


# bad: returned on one path; the message says which call leaks it, never
# "no path closes it"
async def connect_checked(dsn):
    conn = await asyncpg.connect(dsn)  # expect: SL103 "if the call on line 48 raises"
    await conn.execute("SET search_path TO app")
    return conn
