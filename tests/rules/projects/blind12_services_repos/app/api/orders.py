from fastapi import APIRouter, BackgroundTasks

from app.db import DbSession
from app.dependencies import OrderSvc
from app.services import notifications
from app.services.orders import OrderService

router = APIRouter(prefix="/orders")


@router.post("/{order_id}/ship")
def ship(order_id: int, tasks: BackgroundTasks, db: DbSession):
    OrderService(db).ship(order_id)
    notifications.queue_shipping_email(tasks, db, order_id)
    return {"shipped": order_id}


@router.post("/{order_id}/ship-quietly")
def ship_quietly(order_id: int, tasks: BackgroundTasks, db: DbSession):
    OrderService(db).ship(order_id)
    notifications.queue_shipping_email_by_id(tasks, order_id)
    return {"shipped": order_id}


@router.post("/{order_id}/invoice")
def invoice(order_id: int, tasks: BackgroundTasks, svc: OrderSvc):
    # the service's repository holds get_db's session, closed before the task
    tasks.add_task(svc.send_invoice, order_id)  # expect: SL202
    return {"queued": order_id}


@router.post("/{order_id}/invoice-now")
def invoice_now(order_id: int, svc: OrderSvc):
    svc.send_invoice(order_id)
    return {"invoiced": order_id}
