"""SL204 commit-after-response: a yield dependency that commits after its
yield, when FastAPI runs that after the response.

The page's bad get_db behind an endpoint whose write fails at commit (a
duplicate key: what a constraint, or CockroachDB's serialization failure at
COMMIT, does).  The proof serves the request as an ASGI server does and
records, in order, what the client received and when the commit ran: the
client has 200 {"ok": true} before the commit fails, and the row is not
there.  The fixed endpoint commits before it returns: the client gets the
500.  On FastAPI 0.106 to 0.117 the exit code runs before the response (the
rule is quiet there); this proof checks the installed version's order.
"""
# needs: sqlalchemy psycopg2 fastapi
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
log = []  # what the client received and what the dependency did, in order


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False, unique=True)


class ItemIn(BaseModel):
    name: str


# The page's bad example (the log lines are the proof's).
def get_db():
    db = SessionLocal()
    try:
        yield db
        log.append(("commit", "starts"))
        db.commit()  # expect: SL204
        log.append(("commit", "ok"))
    finally:
        db.close()


app = FastAPI()


@app.post("/items")
def create(item: ItemIn, db: Session = Depends(get_db)):
    db.add(Item(**item.dict()))
    return {"ok": True}


# The page's fixed example.
def get_db_fixed():
    with SessionLocal() as db:
        yield db  # the endpoint commits before it returns


app_fixed = FastAPI()


@app_fixed.post("/items")
def create_fixed(item: ItemIn, db: Session = Depends(get_db_fixed)):
    db.add(Item(**item.dict()))
    db.commit()
    return {"ok": True}


def names():
    return [r[0] for r in proof.query("SELECT name FROM items ORDER BY id")]


def body(p):
    Base.metadata.create_all(engine)
    fastapi_version = proof.versions()["fastapi"]
    v = proof.version_tuple("fastapi")
    lint_args = ["--fastapi-version", ".".join(fastapi_version.split(".")[:2])]
    if (0, 106) <= v < (0, 118):
        status, text, err = proof.asgi_request(app, "POST", "/items", b'{"name": "tea"}', log)
        status, text, err = proof.asgi_request(app, "POST", "/items", b'{"name": "tea"}', log)
        p.check(status == 500, "FastAPI %s: the failed commit did not reach the client" %
                fastapi_version)
        p.lint(lint_args, drop=[(p.line_of("db.commit()  # expect: SL204"), "SL204")])
        p.skip("FastAPI %s runs get_db's exit code before the response: its failed commit "
               "is a 500 (observed), and the rule is quiet there (checked)" % fastapi_version)

    status, text, err = proof.asgi_request(app_fixed, "POST", "/items", b'{"name": "tea"}')
    p.check(status == 200 and err is None and names() == ["tea"], "fixed: not saved")
    status, text, err = proof.asgi_request(app_fixed, "POST", "/items", b'{"name": "tea"}')
    p.check(status == 500 and isinstance(err, IntegrityError), "fixed: %r %r" % (status, err))
    p.fixed("the commit fails in the endpoint: the client gets 500")

    status, text, err = proof.asgi_request(app, "POST", "/items", b'{"name": "cake"}', log)
    p.check(status == 200 and err is None and names() == ["tea", "cake"], "bad: a valid write failed")
    del log[:]
    status, text, err = proof.asgi_request(app, "POST", "/items", b'{"name": "tea"}', log)
    p.check(isinstance(err, IntegrityError), "bad: the commit did not fail: %r" % err)
    p.check(log == [("response", 200), ("body", b'{"ok":true}'), ("commit", "starts")],
            "bad: not in the order response, commit: %r" % log)
    p.check(names() == ["tea", "cake"], "bad: rows: %r" % names())
    p.bad("client got 200 %s, then get_db's commit raised %s: not saved, nobody told" % (
        text.decode(), type(err).__name__), proof.exc_text(err))
    p.lint(lint_args)


proof.run("SL204", body)
