"""SL201 shared-across-requests: one module-level session for every request.

The page's bad app plus the write endpoint such an app has.  One request
fails in its flush (a duplicate key); the shared session is now unusable
and the next, unrelated request of another user fails too, with
PendingRollbackError, until something rolls the shared session back.  And
one request's uncommitted write is visible to another request.  The fixed
app (a session per request from a yield dependency) serves the read.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

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


def body(p):
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
