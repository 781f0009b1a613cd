"""SL202 outlives-owner: a session handed to a background task that runs
after its owner closed it.

Which owner closes first depends on the FastAPI version.  The proof shows:
- the page's bad example with its session from the old tutorial's
  middleware (closed right after call_next, on every version): the
  background task runs on the closed session, which checks a connection
  out again and keeps it until the garbage collector finds the session
  (pg_stat_activity: idle in transaction); a few requests and the pool is
  empty;
- the page's bad example with the session from a yield dependency: before
  0.106 (and from 0.118) FastAPI runs the dependency's exit code after the
  background tasks, so the task still has an open session, and sessionlint
  told the version is quiet; from 0.106 to 0.117 the task gets the closed
  session and sessionlint reports it.  The proof checks the order of events
  the installed FastAPI gives.
The fixed example (the task opens its own session) holds nothing.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
import gc

from fastapi import BackgroundTasks, Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0, pool_timeout=1)
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
events = []   # what ran, in order
receipts = []  # the receipts "sent"
REQUESTS = 20


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    item = Column(String, nullable=False)


class OrderIn(BaseModel):
    item: str


def save(db: Session, order: OrderIn) -> Order:
    row = Order(item=order.item)
    db.add(row)
    db.commit()
    return row


def send_receipt(db: Session, order_id: int) -> None:
    order = db.get(Order, order_id)  # reads: a session begins a transaction
    events.append("task")
    receipts.append("receipt for %s" % order.item)


# The page's bad example, its session from the tutorial's middleware.
app = FastAPI()


@app.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()
    try:
        response = await call_next(request)
    finally:
        request.state.db.close()
        events.append("close")
    return response


def get_request_db(request: Request) -> Session:
    return request.state.db


@app.post("/orders")
def create(order: OrderIn, tasks: BackgroundTasks, db: Session = Depends(get_request_db)):
    row = save(db, order)
    tasks.add_task(send_receipt, db, row.id)  # expect: SL202
    return {"id": row.id}


# The page's bad example as written, its session from a yield dependency.
app_dep = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
        events.append("close")


@app_dep.post("/orders")
def create_dep(order: OrderIn, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    row = save(db, order)
    tasks.add_task(send_receipt, db, row.id)  # quiet before 0.106 and from 0.118 (checked below)
    return {"id": row.id}


# The page's fixed example.
app_fixed = FastAPI()


def send_receipt_fixed(order_id: int) -> None:
    with SessionLocal() as db:  # the task's own session
        order = db.get(Order, order_id)
        receipts.append("receipt for %s" % order.item)


@app_fixed.post("/orders")
def create_fixed(order: OrderIn, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    row = save(db, order)
    tasks.add_task(send_receipt_fixed, row.id)  # hand over the id, not the session
    return {"id": row.id}


def post_many(app_):
    """(the request that failed on the pool or None, requests served)."""
    client = TestClient(app_)
    for i in range(1, REQUESTS + 1):
        try:
            r = client.post("/orders", json={"item": "tea"})
        except PoolTimeout as e:
            return i, e
        if r.status_code != 200:
            raise proof.Failed("request %d: %d %s" % (i, r.status_code, r.text))
    return None, None


def body(p):
    Base.metadata.create_all(engine)
    fastapi_version = proof.versions()["fastapi"]
    at, _ = post_many(app_fixed)
    p.check(at is None and engine.pool.checkedout() == 0, "fixed: connections held")
    p.check(len(receipts) == REQUESTS, "fixed: receipts missing")
    p.fixed("%d receipts sent, 0 connections left checked out" % REQUESTS)

    del events[:]
    r = TestClient(app).post("/orders", json={"item": "tea"})
    p.check(r.status_code == 200, "bad: %d" % r.status_code)
    p.check(events == ["close", "task"], "bad: not closed before the task: %r" % events)
    held = [s for _, s, _ in proof.sessions_holding()]
    p.check(engine.pool.checkedout() == 1 and "idle in transaction" in held,
            "bad: the task's connection was given back")
    at, err = post_many(app)
    p.check(at is not None, "bad: %d requests and the pool still serves" % REQUESTS)
    p.bad("middleware's session closed before the background task, which reopens it: "
          "'idle in transaction' left, request %d: QueuePool limit of size %d overflow 0 "
          "reached" % (at + 1, engine.pool.size()), proof.exc_text(err).split(" (Background")[0])
    gc.collect()
    p.check(engine.pool.checkedout() == 0, "the collector did not return the connections")

    # FastAPI's timing: the page's example as written.
    del events[:]
    r = TestClient(app_dep).post("/orders", json={"item": "tea"})
    p.check(r.status_code == 200 and sorted(events) == ["close", "task"],
            "dependency: %d %r" % (r.status_code, events))
    v = proof.version_tuple("fastapi")
    early = (0, 106) <= v < (0, 118)  # the exit code runs before the response
    p.check(events == (["close", "task"] if early else ["task", "close"]),
            "FastAPI %s runs get_db's exit code %s the background task, not as the rule "
            "assumes" % (fastapi_version, "after" if events[0] == "task" else "before"))
    p.note("FastAPI %s runs get_db's exit code %s the background task" % (
        fastapi_version, "before" if early else "after"))
    also = []
    if early:
        p.check(engine.pool.checkedout() == 1, "dependency: the task's connection came back")
        p.bad("FastAPI %s closes get_db's session before the task, which keeps a connection"
              % fastapi_version)
        also = [(p.line_of("tasks.add_task(send_receipt, db, row.id)  # quiet"), "SL202")]
    else:
        p.check(engine.pool.checkedout() == 0, "dependency: a connection is held")
    gc.collect()
    p.lint(["--fastapi-version", ".".join(fastapi_version.split(".")[:2])], also=also)


proof.run("SL202", body)
