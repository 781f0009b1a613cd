# A per-request repository: a class dependency that keeps the session of
# its own dependency on self.  Storing it there is the pattern, not a bug.
from sqlalchemy import text

from app.db import DbSession


class OrderRepository:
    def __init__(self, db: DbSession):
        self.db = db

    def open_orders(self):
        return self.db.execute(text("SELECT id FROM orders WHERE NOT confirmed")).fetchall()

    def mark_sent(self, order_id: int) -> None:
        self.db.execute(text("UPDATE orders SET receipt_sent = true WHERE id = :id"), {"id": order_id})
        self.db.commit()
