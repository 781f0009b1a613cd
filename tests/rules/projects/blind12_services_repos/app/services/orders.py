# Two deep: the service keeps a repository, the repository keeps the session.
from sqlalchemy.orm import Session

from app.repositories.orders import OrderRepository


class OrderService:
    def __init__(self, db: Session) -> None:
        self.repo = OrderRepository(session=db)

    def ship(self, order_id: int) -> None:
        if self.repo.get(order_id) is None:
            raise LookupError(order_id)
        self.repo.set_status(order_id, "shipped")

    def send_invoice(self, order_id: int) -> None:
        self.repo.set_status(order_id, "invoiced")
