"""Blind cases: ownership transfer, escapes and function summaries."""
from contextvars import ContextVar

import psycopg2
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

app = FastAPI()
eng = create_engine("postgresql://o@db/o")
Sessions = sessionmaker(bind=eng)
current_conn: ContextVar = ContextVar("current_conn")
REGISTRY = []


# A factory: returns a fresh connection, the caller owns it.
def open_warehouse():
    return psycopg2.connect("dbname=warehouse")


# A factory for sessions.
def new_session():
    return Sessions()


# Releases its parameter.
def shutdown(link):
    link.close()


# Only uses its parameter.
def heartbeat(link):
    link.commit()


# Bad: the factory's result is closed only on the normal path.
def load_stock():
    link = open_warehouse()  # expect: SL103
    heartbeat(link)
    link.close()


# Bad: the factory's result is dropped.
def warm_up():
    open_warehouse()  # expect: SL103


# Good: passing to a releasing helper in finally is the release.
def load_stock_ok():
    link = open_warehouse()
    try:
        heartbeat(link)
    finally:
        shutdown(link)


# Good: returned to the caller (escape).
def configured_conn():
    link = psycopg2.connect("dbname=warehouse")
    link.autocommit = True
    return link


# Bad: a call between acquire and return can raise, leaking the connection.
def configured_conn_call():
    link = psycopg2.connect("dbname=warehouse")  # expect: SL103
    link.set_session(readonly=True)
    return link


# Good: stored on the object.
class Warehouse:
    def __init__(self):
        self.link = psycopg2.connect("dbname=warehouse")

    def close(self):
        self.link.close()


# Good: stored in a container.
def register():
    link = psycopg2.connect("dbname=warehouse")
    REGISTRY.append(link)


# Good: put into a ContextVar.
def bind_context():
    link = psycopg2.connect("dbname=warehouse")
    current_conn.set(link)


# Good: put on request.state by middleware.
@app.middleware("http")
async def attach_session(request: Request, call_next):
    request.state.db = Sessions()
    return await call_next(request)


# Good: the session factory result is returned through another function.
def session_for_job():
    s = new_session()
    return s


# Bad: the session factory result is used and closed only on the normal path.
def run_job():
    s = new_session()  # expect: SL103
    s.execute(text("select 1"))
    s.close()


# Good: the session factory result is closed in finally.
def run_job_ok():
    s = new_session()
    try:
        s.execute(text("select 1"))
    finally:
        s.close()


# Releases its parameter only through another helper (summary composition).
def shutdown_twice_removed(link):
    shutdown(link)


# Good: release through a two-level helper in finally.
def nested_release():
    link = open_warehouse()
    try:
        heartbeat(link)
    finally:
        shutdown_twice_removed(link)


# Bad: handing to an only-using helper is not a release; nothing closes it.
def forgot_release():
    link = open_warehouse()  # expect: SL103
    heartbeat(link)


# A recursive helper that only uses its parameter.
def walk(link, depth):
    if depth:
        walk(link, depth - 1)
    link.commit()


# Bad: recursion must reach a fixpoint: walk only uses, so the connection leaks on raise.
def deep():
    link = open_warehouse()  # expect: SL103
    walk(link, 3)
    link.close()
