"""Item endpoints.  `list_items` and `create_item` borrow the request's
session from get_db, the safe pattern.  `restock_all` opens its own session
for a background job and has a deliberate bug (see below)."""
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .db import SessionLocal, get_db
from .models import Item

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_db)]


@router.get("/")
def list_items(db: SessionDep, limit: int = 50) -> list[dict]:
    rows = db.execute(select(Item).limit(limit)).scalars()
    return [{"id": r.id, "name": r.name, "stock": r.stock} for r in rows]


@router.post("/")
def create_item(name: str, db: Session = Depends(get_db)) -> dict:
    item = Item(name=name, stock=0)
    db.add(item)
    db.commit()
    return {"id": item.id}


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
    db.execute(text("UPDATE items SET stock = stock + :n"), {"n": amount})
    db.commit()
    db.close()
