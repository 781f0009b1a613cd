"""SL105 release-of-borrowed: an endpoint closes the session its dependency
commits after the yield.

The page's bad example behind FastAPI: the client is told the order was
placed (200 {"ok": true}), but close() discarded the pending order, and
get_db's commit after the yield commits nothing: the orders table is empty.
The fixed endpoint leaves the session to get_db, and the order is there.
"""
# needs: sqlalchemy psycopg2 fastapi httpx
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
app = FastAPI()
app_fixed = FastAPI()


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    item = Column(String, nullable=False)


class OrderIn(BaseModel):
    item: str


def get_db():
    db = SessionLocal()
    try:
        yield db
        db.commit()
    finally:
        db.close()


# The page's bad example.
@app.post("/orders")
def place_order(order: OrderIn, db: Session = Depends(get_db)):
    db.add(Order(**order.dict()))
    db.close()                  # discards the order before get_db commits  # expect: SL105
    return {"ok": True}


# The page's fixed example.
@app_fixed.post("/orders")
def place_order_fixed(order: OrderIn, db: Session = Depends(get_db)):
    db.add(Order(**order.dict()))
    return {"ok": True}         # get_db commits, then closes


def orders():
    return [r[0] for r in proof.query("SELECT item FROM orders ORDER BY id")]


def body(p):
    Base.metadata.create_all(engine)
    r = TestClient(app_fixed).post("/orders", json={"item": "tea"})
    p.check(r.status_code == 200 and orders() == ["tea"], "fixed: the order is not saved")
    p.fixed("200 and the order is in the table")
    proof.query("DELETE FROM orders")

    r = TestClient(app).post("/orders", json={"item": "tea"})
    p.check(r.status_code == 200 and r.json() == {"ok": True}, "bad: not a 200: %r" % r.text)
    p.check(orders() == [], "bad: the order was saved")
    p.check(engine.pool.checkedout() == 0, "bad: a connection is still checked out")
    p.bad("client got 200 %s, get_db's commit committed nothing: 0 rows in orders" % r.text)
    p.lint()


proof.run("SL105", body)
