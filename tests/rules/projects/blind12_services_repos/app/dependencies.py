from typing import Annotated

from fastapi import Depends

from app.db import DbSession
from app.services.orders import OrderService


def get_order_service(db: DbSession) -> OrderService:
    return OrderService(db)


OrderSvc = Annotated[OrderService, Depends(get_order_service)]
