"""SL104 unguarded-yield-dependency: close() after yield without finally.

The page's bad get_db behind a FastAPI endpoint that raises after it used
the session: FastAPI throws the endpoint's exception into the dependency at
its yield, the close() after it never runs, and every failing request keeps
its pooled connection; a few of them and the pool is empty, so requests that
would succeed fail too.  The fixed get_db (try/finally, or with) keeps the
pool whole.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
import gc

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0, pool_timeout=1)
SessionLocal = sessionmaker(bind=engine)
REQUESTS = 20


# The page's bad example.
def get_db():
    db = SessionLocal()
    yield db  # expect: SL104
    db.close()                  # never runs when the endpoint raises


# The page's fixed examples.
def get_db_fixed():
    db = SessionLocal()
    try:
        yield db
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


def get_db_with():
    with SessionLocal() as db:
        yield db


def make_app(dependency):
    app = FastAPI()

    @app.get("/items/{item_id}")
    def read_item(item_id: str, db: Session = Depends(dependency)):
        db.execute(text("SELECT 1"))
        return {"id": int(item_id)}  # ValueError for /items/abc: a 500

    return app


def run_requests(app):
    """(first request that failed on the pool or None, the 500s before it)."""
    client = TestClient(app, raise_server_exceptions=True)
    errors = 0
    for i in range(1, REQUESTS + 1):
        try:
            client.get("/items/abc")
        except ValueError:
            errors += 1
        except PoolTimeout as e:
            return i, errors, e
    return None, errors, None


def body(p):
    for dep in (get_db_fixed, get_db_with):
        at, errors, _ = run_requests(make_app(dep))
        p.check(at is None and errors == REQUESTS, "fixed: the pool ran dry")
        p.check(engine.pool.checkedout() == 0, "fixed: a connection is still checked out")
        r = TestClient(make_app(dep)).get("/items/7")
        p.check(r.status_code == 200, "fixed: a valid request failed")
    p.fixed("%d failing requests, 0 connections left checked out" % REQUESTS)

    at, errors, err = run_requests(make_app(get_db))
    held = engine.pool.checkedout()
    p.check(at is not None, "bad: %d failing requests and the pool still serves" % REQUESTS)
    p.bad("close() skipped: %d connections held after %d failing requests, request %d: "
          "QueuePool limit of size %d overflow 0 reached" % (held, errors, at, engine.pool.size()),
          proof.exc_text(err).split(" (Background")[0])
    gc.collect()
    p.check(engine.pool.checkedout() == 0, "the collector did not return the connections")
    p.lint()


proof.run("SL104", body)
