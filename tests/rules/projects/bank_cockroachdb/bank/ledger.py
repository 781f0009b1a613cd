# Helpers used from routes.py: `post` runs inside run_transaction (its
# commit is SL402 there); `settle` only runs inside routes.py's retry loop,
# so its commit has a retry (no SL401); `reopen` is called outside any retry.
from sqlalchemy import text
from sqlalchemy.orm import Session

ENTRY = text("INSERT INTO ledger (account, delta) VALUES (:a, :d)")


def post(s: Session, account: int, delta: int):
    s.execute(ENTRY, {"a": account, "d": delta})
    s.commit()  # expect: SL402


def settle(s: Session, account: int):
    s.execute(text("UPDATE accounts SET settled = true WHERE id = :a"), {"a": account})
    s.commit()


def reopen(s: Session, account: int):
    s.execute(text("UPDATE accounts SET settled = false WHERE id = :a"), {"a": account})
    s.commit()  # expect: SL401
