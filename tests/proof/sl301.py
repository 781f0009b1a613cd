"""SL301 raw-sql-string: a plain SQL string given to a SQLAlchemy 2 session's
or connection's execute().

SQLAlchemy 2 refuses it with ArgumentError ("Textual SQL expression ...
should be explicitly declared as text(...)").  Debian 12 ships SQLAlchemy
1.4, whose 2.0 mode (future=True) is what the proof can run:
- a Connection of a future=True engine refuses the string at once:
  ObjectNotExecutableError, an ArgumentError ("Not an executable object");
- a Session, even with future=True, still runs it with a RemovedIn20Warning;
  SQLAlchemy's migration guide tests 2.0 readiness with SQLALCHEMY_WARN_20=1
  and that warning as an error, and so does this proof: the page's FastAPI
  endpoint then fails on every request (a 500).
On SQLAlchemy 2 the proof expects the ArgumentError itself from the
session.  The fixed example, text(), is served in every mode.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
import os
import warnings

os.environ["SQLALCHEMY_WARN_20"] = "1"  # before SQLAlchemy is imported

from fastapi import Depends, FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.exc import ArgumentError  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

import proof  # noqa: E402

IS_2X = proof.version_tuple("sqlalchemy") >= (2, 0)
if IS_2X:
    SessionRefusal = ArgumentError
else:
    from sqlalchemy.exc import RemovedIn20Warning as SessionRefusal
# 2.0 mode: future=True (the default, and the only mode, of SQLAlchemy 2)
engine = create_engine("postgresql+psycopg2://", future=True)
SessionLocal = sessionmaker(bind=engine, future=True)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


# The page's bad example.
@app.get("/items/")
def read_items(db: Session = Depends(get_db)):
    items = db.execute("SELECT * FROM items").fetchall()  # expect: SL301
    return {"items": items}


# The page's fixed example.
@app.get("/items/fixed")
def read_items_fixed(db: Session = Depends(get_db)):
    items = db.execute(text("SELECT * FROM items")).fetchall()
    return {"items": [list(row) for row in items]}


# The same on a Connection.
def count_items():
    with engine.connect() as conn:
        return conn.execute("SELECT count(*) FROM items").scalar()  # expect: SL301


def count_items_fixed():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM items")).scalar()


def body(p):
    proof.query("CREATE TABLE items (id int, name text); INSERT INTO items VALUES (1, 'tea')")
    client = TestClient(app)
    version = proof.versions()["sqlalchemy"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SessionRefusal)
        r = client.get("/items/fixed")
        p.check(r.status_code == 200 and r.json() == {"items": [[1, "tea"]]},
                "fixed: %d %s" % (r.status_code, r.text))
        p.check(count_items_fixed() == 1, "fixed: the connection's count")
        p.fixed("text(): 200")
        e = p.raises(ArgumentError, count_items)
        p.bad("Connection: %s" % type(e).__name__, proof.exc_text(e))
        e = p.raises(SessionRefusal, client.get, "/items/")
        p.bad("Session: %s%s" % (type(e).__name__, "" if IS_2X else " (as an error)"),
              proof.exc_text(e).split(" (Background")[0])
    if not IS_2X:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = client.get("/items/")
        p.check(r.status_code == 200, "1.4 Session: %d" % r.status_code)
        p.note("SQLAlchemy %s, future=True, the warning left a warning: the Session runs the "
               "string (200 %s) and warns %s" % (version, r.text, ", ".join(
                   sorted({w.category.__name__ for w in caught}))))
    p.lint(["--sqlalchemy-version", "2.0"])


proof.run("SL301", body)
