from sqlalchemy import text

from ..books import Books
from ..store import Session


def close_month(account):
    with Books() as books:
        opening = books.balance(account)
    closing = books.balance(account)  # expect: SL102
    return closing - opening


def close_month_inside(account):
    with Books() as books:
        opening = books.balance(account)
        closing = books.balance(account)
    return closing - opening


def sweep(account):
    s = Session()  # expect: SL103
    s.execute(text("UPDATE accounts SET swept = true WHERE id = :a"), {"a": account})
    s.commit()
    s.close()


def sweep_finally(account):
    s = Session()
    try:
        s.execute(text("UPDATE accounts SET swept = true WHERE id = :a"), {"a": account})
        s.commit()
    finally:
        s.close()
