from sqlalchemy import text
from sqlalchemy.orm import Session


class OrderRepository:
    def __init__(self, *, session: Session) -> None:
        self.session = session

    def get(self, order_id: int):
        return self.session.execute(text("SELECT * FROM orders WHERE id = :id"), {"id": order_id}).mappings().first()

    def set_status(self, order_id: int, status: str) -> None:
        self.session.execute(text("UPDATE orders SET status = :s WHERE id = :id"), {"s": status, "id": order_id})
        self.session.commit()
