from fastapi import APIRouter, Depends
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy_cockroachdb import run_transaction

from . import ledger
from .db import SessionLocal, get_db

router = APIRouter()


@router.post("/accounts/{account}/deposit")
def deposit(account: int, amount: int):
    run_transaction(SessionLocal, lambda s: ledger.post(s, account, amount))


@router.post("/accounts/{account}/settle")
def settle(account: int):
    for attempt in range(5):
        try:
            with SessionLocal() as s:
                ledger.settle(s, account)
            return {"ok": True}
        except OperationalError as e:
            if e.orig.pgcode != "40001":
                raise


@router.post("/accounts/{account}/reopen")
def reopen(account: int, db: Session = Depends(get_db)):
    ledger.reopen(db, account)


@router.post("/accounts/{account}/close")
def close(account: int, db: Session = Depends(get_db)):
    db.execute(ledger.ENTRY, {"a": account, "d": 0})
    db.commit()  # expect: SL401
