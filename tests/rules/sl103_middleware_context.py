# SL103 through a middleware of any framework: a function that calls its
# `next` (or `call_next`) parameter hands the event on, and the context
# object it was given lives for that one event.  A session it puts in that
# context is used by the handlers that next() runs, and is its own to close.
from typing import Callable

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)


# Bad: every event leaves a session (and its connection) open.
def db_middleware(context, next: Callable) -> None:
    context["db_session"] = SessionLocal()  # expect: SL103 "is put in the context this middleware hands on"
    next()


# Quiet: closed when the handlers return.
def db_middleware_closed(context, next: Callable) -> None:
    with SessionLocal() as session:
        context["db_session"] = session
        next()


# Quiet: closed in a finally after next().
def db_middleware_finally(context, next: Callable) -> None:
    context["db_session"] = SessionLocal()
    try:
        next()
    finally:
        context["db_session"].close()


# Quiet: not a middleware (no next to hand the event on): the caller's dict keeps it.
def attach_session(context) -> None:
    context["db_session"] = SessionLocal()
