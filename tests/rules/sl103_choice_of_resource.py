# A function that takes an optional connection and makes its own when none
# is given may write the choice as an expression: `con if con else
# connect()`, or `con or connect()`.  The name then holds what was made on
# the side where nothing was given, and `if not con: conn.close()` closes it
# there; a release an exception skips is still a leak.
from typing import Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)


def connect() -> Connection:
    return engine.connect()


# quiet: closed in a finally under the same test
def count_rows(con: Optional[Connection] = None) -> int:
    conn = con if con else connect()
    try:
        return conn.execute(text("SELECT count(*) FROM item")).scalar_one()
    finally:
        if not con:
            conn.close()


# quiet: `or` spelling, `is None` test
def list_names(con: Optional[Connection] = None) -> list:
    conn = con or connect()
    try:
        return [r.name for r in conn.execute(text("SELECT name FROM item"))]
    finally:
        if con is None:
            conn.close()


# quiet: the test written the other way round
def first_id(session: Optional[Session] = None):
    db = SessionLocal() if session is None else session
    try:
        return db.execute(text("SELECT min(id) FROM item")).scalar()
    finally:
        if session is None:
            db.close()


# the release is not in a finally: a failing query leaves it open
def all_csets(con: Optional[Connection] = None) -> list:
    conn = con if con else connect()  # expect: SL103 "if the call on line 53 raises"
    rows = conn.execute(text("SELECT * FROM all_csets")).all()
    if not con:
        conn.close()
    return rows


# closes only the caller's connection: its own is never released
def wrong_way(con: Optional[Connection] = None) -> list:
    conn = con or connect()  # expect: SL103
    try:
        return conn.execute(text("SELECT 1")).all()
    finally:
        if con:
            conn.close()
