# SL206 and SL205 through a repository object: `repo = AccountRepo(db)`
# keeps the request's session, and what its methods do to that session's
# transaction is what the call does: a method that queries leaves the
# connection checked out, one that commits gives it back, one that only
# adds objects takes nothing.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5, max_overflow=0)
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


def audit(event: str) -> None:
    with SessionLocal() as s:
        s.execute(text("INSERT INTO audit (event) VALUES (:e)"), {"e": event})
        s.commit()


class AccountRepo:
    def __init__(self, db: Session):
        self.db = db

    def balance(self, account_id: int) -> int:
        return self.db.scalar(text("SELECT balance FROM accounts WHERE id = :i"), {"i": account_id})

    def _credit(self, account_id: int, amount: int) -> None:
        self.db.execute(text("UPDATE accounts SET balance = balance + :a WHERE id = :i"),
                        {"a": amount, "i": account_id})

    def credit(self, account_id: int, amount: int) -> None:
        self._credit(account_id, amount)
        self.db.commit()

    def stage(self, row) -> None:
        self.db.add(row)


@app.get("/accounts/{account_id}/balance")
def balance(account_id: int, db: Session = Depends(get_db)):
    repo = AccountRepo(db)
    value = repo.balance(account_id)
    audit(f"balance viewed {account_id}")  # expect: SL206
    return {"balance": value}


@app.post("/accounts/{account_id}/credit")
def credit(account_id: int, amount: int, db: Session = Depends(get_db)):
    # quiet: the method commits (through a helper of the class it calls first)
    repo = AccountRepo(db)
    repo.credit(account_id, amount)
    audit(f"credited {account_id}")
    return {"ok": True}


@app.post("/accounts")
def stage(row: dict, db: Session = Depends(get_db)):
    # quiet: adding an object checks nothing out
    repo = AccountRepo(db)
    repo.stage(row)
    audit("account staged")
    return {"ok": True}
