"""The store's engine, made on first use; a decorator that lends a session of it."""
import functools

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

_engine = None


def get_engine():
    global _engine
    if _engine is None:
        _engine = create_engine("postgresql://ingest@db/ingest")
    return _engine


def in_session(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        session = Session(bind=get_engine())
        try:
            out = fn(session, *args, **kwargs)
            session.commit()
            return out
        finally:
            session.close()

    return call
