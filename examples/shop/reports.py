"""Monthly report, half-way through an edit: the list comprehension below is
missing its closing parenthesis, so the file does not parse (SL000)."""
from sqlalchemy import text
from sqlalchemy.orm import Session


def monthly_totals(db: Session, month: str) -> list[dict]:
    rows = db.execute(text("SELECT item_id, sum(qty) FROM orders WHERE month = :m GROUP BY 1"),
                      {"m": month})
    return [dict(item_id=r[0], total=r[1] for r in rows]
