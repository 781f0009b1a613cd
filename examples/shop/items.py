"""Item endpoints.  `list_items` and `get_item` borrow the request's session
from get_db, the safe pattern; `create_item` writes through
sqlalchemy_cockroachdb's run_transaction, which retries the transaction when
CockroachDB reports a serialization conflict.  `restock_all` opens its own
session for a background job and has two deliberate bugs (see below)."""
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlalchemy_cockroachdb import run_transaction

from .db import SessionLocal, get_db
from .models import Item

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_db)]


@router.get("/")
def list_items(db: SessionDep, limit: int = 50) -> list[dict]:
    rows = db.execute(select(Item).limit(limit)).scalars()
    return [{"id": r.id, "name": r.name, "stock": r.stock} for r in rows]


@router.post("/")
def create_item(name: str) -> dict:
    def add(db: Session) -> int:
        item = Item(name=name, stock=0)
        db.add(item)
        db.flush()
        return item.id

    return {"id": run_transaction(SessionLocal, add)}


@router.get("/{item_id}")
def get_item(item_id: int, db: SessionDep) -> dict:
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return {"id": item.id, "name": item.name}


def restock_all(amount: int) -> None:
    """Run from a scheduler, outside any request, so it owns its session."""
    db = SessionLocal()
    # BUG (release-skipped, SL103): if execute() or commit() raises, close()
    # never runs and the pooled connection leaks; enough failures exhaust
    # the pool.  The fix: `with SessionLocal() as db:` or try/finally.
    # BUG (no-retry-on-serialization-failure, SL401): on CockroachDB the
    # commit can fail with SQLSTATE 40001 under contention, and nothing
    # retries it.  The fix: run_transaction, as create_item does.
    db.execute(text("UPDATE items SET stock = stock + :n"), {"n": amount})
    db.commit()
    db.close()
