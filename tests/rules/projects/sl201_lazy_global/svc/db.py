# Sessions and connections made the first time a getter runs and kept in a
# global: every later caller, in any thread or task, gets the same one.
import os
import threading
from contextlib import contextmanager

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

_session = None
_conn = None
_engine = None
_factory = None
_registry = None
_local = threading.local()


@contextmanager
def get_session():
    global _session
    if _session is None:
        Session = sessionmaker(bind=create_engine(os.environ["DATABASE_URL"]))
        _session = Session()  # expect: SL201 "the first time `get_session()` runs is handed to every later caller"
    try:
        yield _session
        _session.commit()
    except Exception:
        _session.rollback()
        raise


def connection():
    global _conn
    if not _conn:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])  # expect: SL201 "connection stored in the global `_conn`"
    return _conn


# quiet: an engine and a sessionmaker are meant to be shared
def factory():
    global _engine, _factory
    if _factory is None:
        _engine = create_engine(os.environ["DATABASE_URL"])
        _factory = sessionmaker(bind=_engine)
    return _factory


# quiet: a scoped_session gives each thread its own session
def registry():
    global _registry
    if _registry is None:
        _registry = scoped_session(factory())
    return _registry


# quiet: one per thread
def thread_connection():
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _local.conn


_cli_conn = None


# quiet: a getter only one function calls (a command's one connection)
def cli_connection():
    global _cli_conn
    if _cli_conn is None:
        _cli_conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _cli_conn


def export_rows():
    with cli_connection().cursor() as cur:
        cur.execute("SELECT id FROM builds")
        return cur.fetchall()
