from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from .db import get_db

router = APIRouter()

MONTHLY = "SELECT date_trunc('month', created), sum(total) FROM orders GROUP BY 1"


@router.get("/reports/monthly")
def monthly(db: Session = Depends(get_db)):
    return [tuple(r) for r in db.execute(MONTHLY)]


@router.get("/reports/count")
def count(db: Session = Depends(get_db)):
    return db.scalar("SELECT count(*) FROM orders")
