# A helper that releases what it is handed only under a test of another of
# its parameters (`if close:`) releases it for the callers that pass a true
# value there, and not for those that pass a false one: False or None
# written in the call, the parameter's default when the call leaves it out,
# or a local flag whose value the caller's path knows.  An argument whose
# value is not known counts as true, as for a helper that always releases.
import psycopg2
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()


def hand_back(conn, close: bool = True) -> None:
    conn.commit()
    if close:
        conn.close()


def settle(session: Session, dispose=False) -> None:
    session.commit()
    if dispose:
        session.close()


def wind_down(db: Session, keep_open: bool) -> None:
    db.flush()
    if not keep_open:
        db.close()


def export_rows(dsn: str) -> None:
    conn = psycopg2.connect(dsn)  # expect: SL103 "never released"
    conn.cursor().execute("INSERT INTO export_log DEFAULT VALUES")
    hand_back(conn, close=False)


def nightly_totals() -> None:
    session = SessionLocal()  # expect: SL103
    session.execute(text("UPDATE totals SET day = current_date"))
    settle(session)


def rebuild_index(force: bool) -> None:
    session = SessionLocal()  # expect: SL103 "the call on line 50"
    dispose = False
    if force:
        session.execute(text("REINDEX TABLE idx"))
        dispose = True
    settle(session, dispose)


def import_file(dsn: str, retain: bool) -> None:
    db = SessionLocal()  # expect: SL103
    db.execute(text("DELETE FROM staging"))
    wind_down(db, True)


# quiet: the default releases
def export_summary(dsn: str) -> None:
    conn = psycopg2.connect(dsn)
    try:
        conn.cursor().execute("INSERT INTO export_log DEFAULT VALUES")
    finally:
        hand_back(conn)


# quiet: a true value written, and a false one with a close after it
def nightly_counts() -> None:
    session = SessionLocal()
    try:
        session.execute(text("UPDATE counts SET day = current_date"))
    finally:
        settle(session, True)
    other = SessionLocal()
    try:
        other.execute(text("UPDATE counts SET night = current_date"))
        settle(other, dispose=False)
    finally:
        other.close()


# quiet: the falsy polarity, and a flag known false on every path here
def purge_staging() -> None:
    db = SessionLocal()
    keep = False
    try:
        db.execute(text("DELETE FROM staging"))
    finally:
        wind_down(db, keep)


# quiet: a value the caller's path does not know counts as true
def export_for(dsn: str, close_after: bool) -> None:
    conn = psycopg2.connect(dsn)
    try:
        conn.cursor().execute("INSERT INTO export_log DEFAULT VALUES")
    finally:
        hand_back(conn, close_after)


# quiet: the flag is true on every path that reaches the call
def reprice(order_id: int) -> None:
    session = SessionLocal()
    done = False
    try:
        session.execute(text("UPDATE orders SET total = total WHERE id = :i"), {"i": order_id})
    finally:
        done = True
        settle(session, done)
