"""Blind cases: endpoints releasing what a dependency owns (SL105)."""
from contextlib import contextmanager
from typing import Annotated

import psycopg2
from fastapi import APIRouter, Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

shop = FastAPI()
router = APIRouter(prefix="/cart")
eng = create_engine("postgresql://shop@db/shop")
ShopSession = sessionmaker(bind=eng)
cart_pool = ThreadedConnectionPool(1, 8, "dbname=shop")


class Cart:
    def __init__(self, **kw):
        self.kw = kw


# Provider that commits after the yield.
def committing_db():
    db = ShopSession()
    try:
        yield db
        db.commit()  # expect: SL204
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


# Provider that only closes.
def closing_db():
    db = ShopSession()
    try:
        yield db
    finally:
        db.close()


# Provider through SessionLocal.begin(): commits at exit.
def tx_db():
    with ShopSession.begin() as db:  # expect: SL204
        yield db


# Provider through session.begin() around the yield.
def begin_db():
    with ShopSession() as db:
        with db.begin():  # expect: SL204
            yield db


CommittingDB = Annotated[Session, Depends(committing_db)]
ClosingDB = Annotated[Session, Depends(closing_db)]


# Bad: closing a session whose provider commits afterwards discards the write.
@shop.post("/carts")
def create_cart(payload: dict, db: Session = Depends(committing_db)):
    db.add(Cart(**payload))
    db.close()  # expect: SL105
    return {"ok": True}


# Bad: the same through an Annotated alias on a router.
@router.put("/{cart_id}")
def update_cart(cart_id: int, db: CommittingDB):
    db.execute(text("update carts set touched = now() where id = :i"), {"i": cart_id})
    db.close()  # expect: SL105
    return {"id": cart_id}


# Good: provider only closes; early close is legitimate.
@router.get("/{cart_id}")
def read_cart(cart_id: int, db: ClosingDB):
    row = db.get(Cart, cart_id)
    db.close()
    return row


# Good: Depends default form with a closing-only provider.
@shop.get("/carts")
def list_carts(db: Session = Depends(closing_db)):
    rows = db.execute(text("select id from carts")).all()
    db.close()
    return rows


# Bad: provider through SessionLocal.begin().
@shop.delete("/carts/{cart_id}")
def delete_cart(cart_id: int, db: Session = Depends(tx_db)):
    db.execute(text("delete from carts where id = :i"), {"i": cart_id})
    db.close()  # expect: SL105


# Bad: provider through session.begin() around the yield, async endpoint.
@shop.patch("/carts/{cart_id}")
async def patch_cart(cart_id: int, db: Annotated[Session, Depends(begin_db)]):
    db.execute(text("select 1"))
    db.close()  # expect: SL105


# Good: committing on a borrowed session is not a release.
@shop.post("/carts/{cart_id}/checkout")
def checkout(cart_id: int, db: CommittingDB):
    db.execute(text("update carts set done = true where id = :i"), {"i": cart_id})
    db.commit()
    return {"done": True}


# Pool provider: owns the pooled connection.
def pooled_conn():
    c = cart_pool.getconn()
    try:
        yield c
    finally:
        cart_pool.putconn(c)


# Bad: endpoint gives the dependency's pooled connection back itself.
@shop.get("/stock")
def stock(c=Depends(pooled_conn)):
    c.commit()
    cart_pool.putconn(c)  # expect: SL105
    return {}


# psycopg2 provider that commits after the yield.
def pg_committing():
    pg = psycopg2.connect("dbname=shop")
    try:
        yield pg
        pg.commit()  # expect: SL204
    finally:
        pg.close()


# Bad: closing a psycopg2 connection the provider still commits.
@shop.post("/stock")
def add_stock(pg=Depends(pg_committing)):
    pg.close()  # expect: SL105


@contextmanager
def borrowed_pooled():
    c = cart_pool.getconn()
    try:
        yield c
    finally:
        cart_pool.putconn(c)


# Bad: putconn inside the with-block of a contextmanager that returns the connection itself.
def reindex():
    with borrowed_pooled() as c:
        c.commit()
        cart_pool.putconn(c)  # expect: SL105


# Good: using a contextmanager's connection without releasing it.
def reindex_ok():
    with borrowed_pooled() as c:
        c.commit()


shop.include_router(router)
