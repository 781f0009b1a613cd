# A one-shot command: `python -m shop.backfill`.  One session for the
# process's single run; nothing else ever imports this module.
import sys

from sqlalchemy import text

from shop.db import SessionLocal

session = SessionLocal()


def backfill_totals(batch: int) -> int:
    n = session.execute(
        text("UPDATE orders SET total = (SELECT sum(price * qty) FROM order_lines WHERE order_id = orders.id) "
             "WHERE id IN (SELECT id FROM orders WHERE total IS NULL LIMIT :b)"),
        {"b": batch},
    ).rowcount
    session.commit()
    return n


def main() -> None:
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    while backfill_totals(batch):
        pass
    session.close()


if __name__ == "__main__":
    main()
