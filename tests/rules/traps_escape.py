# Traps: resources that escape the function that acquired them, stored on
# an object, in a container, in a ContextVar, on request.state, or handed
# to a constructor that keeps them.  Whoever holds them later owns the
# release; the acquiring function must not be blamed.  All correct: no
# finding anywhere in this file.
import contextvars
import os

import asyncpg
import psycopg2
from fastapi import FastAPI, Request
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()
current_session: contextvars.ContextVar[Session] = contextvars.ContextVar("current_session")


# stored on self by the constructor; close() releases it.
class UserRepository:
    def __init__(self):
        self.session = SessionLocal()

    def close(self):
        self.session.close()


# a cache of connections keyed by tenant, on the instance.
class TenantConnections:
    def __init__(self, dsn_for):
        self._dsn_for = dsn_for
        self._conns = {}

    def get(self, tenant):
        if tenant not in self._conns:
            self._conns[tenant] = psycopg2.connect(self._dsn_for(tenant))
        return self._conns[tenant]

    def close_all(self):
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()


# a list of connections returned to the caller.
def connect_all(dsns):
    conns = []
    for dsn in dsns:
        conns.append(psycopg2.connect(dsn))
    return conns


# handed to a constructor that stores it.
class UnitOfWork:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.session.close()


def make_unit_of_work():
    return UnitOfWork(SessionLocal())


# a ContextVar set by middleware; the middleware closes in finally.
@app.middleware("http")
async def session_in_context(request: Request, call_next):
    session = SessionLocal()
    try:
        token = current_session.set(session)
        try:
            return await call_next(request)
        finally:
            current_session.reset(token)
    finally:
        session.close()


# the FastAPI docs' former middleware pattern: the session lives on
# request.state and is closed in finally.
@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        return await call_next(request)
    finally:
        request.state.db.close()


# a module-level pool created at startup (a factory, not a resource) and
# closed at shutdown.
@app.on_event("startup")
async def create_pool():
    app.state.pool = await asyncpg.create_pool(DSN)


@app.on_event("shutdown")
async def close_pool():
    await app.state.pool.close()


# a connection kept in a global for a CLI's lifetime.
_cli_conn = None


def cli_connection():
    global _cli_conn
    if _cli_conn is None:
        _cli_conn = psycopg2.connect(DSN)
    return _cli_conn


# stored on an object passed in (a job runner's context).
def attach_connection(job):
    job.conn = psycopg2.connect(DSN)
    job.owns_conn = True
