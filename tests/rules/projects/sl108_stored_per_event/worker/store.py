# SL108, stored: an engine made again at every task or update into a slot
# that outlives the run replaces the previous one without disposing it.
import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

DSN = os.environ["LEDGER_DSN"]
Session = sessionmaker()
engine = None
_engine = None
_ready = False


class Ledger:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.pool = create_engine(dsn)  # quiet: once per object

    def reopen(self):
        self.pool = create_engine(self.dsn)  # expect: SL108 "stored in `self.pool`"
        Session.configure(bind=self.pool)

    def record(self, entry: str):
        with self.pool.begin() as conn:
            conn.execute(text("INSERT INTO ledger VALUES (:e)"), {"e": entry})


class Archive:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.pool = create_engine(dsn)

    def refresh(self):
        self.pool.dispose()
        self.pool = create_engine(self.dsn)  # quiet: the old one disposed first


class Mirror:
    def __init__(self, dsn: str):
        self.dsn = dsn

    def connect(self):
        self.engine = create_engine(self.dsn)  # quiet: a new Mirror each time, connected once


def rebind():
    global engine
    engine = create_engine(DSN)  # expect: SL108 "stored in `engine`"
    Session.configure(bind=engine)


def lazy_engine():
    global _engine
    if _engine is None:
        _engine = create_engine(DSN)  # quiet: made once
    return _engine


def flagged_engine():
    global _engine, _ready
    if _ready:
        return _engine
    _engine = create_engine(DSN)  # quiet: the flag says it was made
    _ready = True
    return _engine


def boot():
    global engine
    engine = create_engine(DSN)  # quiet: only the __main__ block calls it


ledger = Ledger(DSN)
archive = Archive(DSN)
