"""SL201 shared-across-requests: one module-level session for every request.

The page's bad app plus the write endpoint such an app has.  One request
fails in its flush (a duplicate key); the shared session is now unusable
and the next, unrelated request of another user fails too, with
PendingRollbackError, until something rolls the shared session back.  And
one request's uncommitted write is visible to another request.  The fixed
app (a session per request from a yield dependency) serves the read.

The second form: a handler that makes its own ThreadedConnectionPool and
keeps the connection its __enter__ checks out on self.  Two callers inside
at once (interleaved here step by step, as two threads interleave): the
second checkout overwrites the first, both callers' statements run on one
server session, the first connection never goes back, and the second
__exit__ puts the same connection back twice (PoolError).  The fixed
handler checks out into a local per call.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
from contextlib import contextmanager

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from psycopg2 import pool as pg2pool
from psycopg2.pool import PoolError

import proof

engine = create_engine("postgresql+psycopg2://")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class ItemIn(BaseModel):
    id: int
    name: str


# The page's bad example, with a write endpoint beside the read.
app = FastAPI()
db = SessionLocal()  # expect: SL201


@app.get("/items")
def read_items():
    return [i.name for i in db.query(Item).all()]


@app.post("/items")
def create_item(item: ItemIn):
    db.add(Item(**item.dict()))
    db.commit()
    return {"ok": True}


@app.post("/items/draft")
def draft_item(item: ItemIn):
    db.add(Item(**item.dict()))
    db.flush()                  # written, not committed: this request's work
    return {"draft": True}


# The page's fixed example.
app_fixed = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


@app_fixed.get("/items")
def read_items_fixed(db: Session = Depends(get_db)):
    return [i.name for i in db.query(Item).all()]


@app_fixed.post("/items")
def create_item_fixed(item: ItemIn, db: Session = Depends(get_db)):
    db.add(Item(**item.dict()))
    db.commit()
    return {"ok": True}


class Handler:
    """The second form's bad example."""

    def __init__(self):
        self.pg_pool = pg2pool.ThreadedConnectionPool(1, 4, "")

    def __enter__(self):
        self.connection = self.pg_pool.getconn()  # expect: SL201
        return self

    def __exit__(self, *exc):
        self.pg_pool.putconn(self.connection)

    def backend(self):
        cur = self.connection.cursor()
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


class HandlerFixed:
    """... and its fixed example."""

    def __init__(self):
        self.pg_pool = pg2pool.ThreadedConnectionPool(1, 4, "")

    @contextmanager
    def connection(self):
        conn = self.pg_pool.getconn()
        try:
            yield conn
        finally:
            self.pg_pool.putconn(conn)


def handlers(p):
    h = HandlerFixed()
    with h.connection() as a, h.connection() as b:  # two callers inside at once
        pids = {a.get_backend_pid(), b.get_backend_pid()}
    p.check(len(pids) == 2 and not h.pg_pool._used, "fixed: %r, in use %r" % (pids, h.pg_pool._used))
    p.fixed("two callers at once: two server sessions, both connections back")
    h.pg_pool.closeall()

    h = Handler()
    first = h.__enter__()  # caller A
    pid_a = first.backend()
    h.__enter__()  # caller B, before A is done: overwrites self.connection
    pid_a_now = first.backend()  # A's next statement
    pid_b = h.backend()
    p.check(pid_a != pid_a_now and pid_a_now == pid_b, "bad: %r %r %r" % (pid_a, pid_a_now, pid_b))
    h.__exit__(None, None, None)  # B is done
    e = p.raises(PoolError, h.__exit__, None, None, None)  # A is done
    p.check(len(h.pg_pool._used) == 1, "bad: in use %r" % h.pg_pool._used)
    p.bad("two callers at once: A's statements move to B's server session, A's connection "
          "never goes back (1 in use), the second __exit__: PoolError", proof.exc_text(e))
    h.pg_pool.closeall()


def body(p):
    handlers(p)
    Base.metadata.create_all(engine)
    proof.query("INSERT INTO items VALUES (1, 'tea')")

    fixed = TestClient(app_fixed)
    p.raises(IntegrityError, fixed.post, "/items", json={"id": 1, "name": "dup"})
    r = fixed.get("/items")
    p.check(r.status_code == 200 and r.json() == ["tea"], "fixed: the read failed: %r" % r.text)
    p.fixed("after another request's IntegrityError the read is served")

    bad = TestClient(app)
    p.check(bad.get("/items").json() == ["tea"], "bad: the first read failed")
    p.raises(IntegrityError, bad.post, "/items", json={"id": 1, "name": "dup"})
    e = p.raises(PendingRollbackError, bad.get, "/items")
    p.bad("after one request's IntegrityError the next user's read: PendingRollbackError",
          proof.exc_text(e))
    db.rollback()  # what nobody in the bad app does
    p.check(bad.post("/items/draft", json={"id": 2, "name": "draft"}).status_code == 200,
            "bad: the draft failed")
    seen = bad.get("/items").json()
    p.check(seen == ["tea", "draft"], "bad: the other request does not see the draft: %r" % seen)
    p.bad("another request reads one's uncommitted row")
    db.rollback()
    db.close()
    p.lint()


proof.run("SL201", body)
