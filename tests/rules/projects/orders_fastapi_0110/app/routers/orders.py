# Background work and streamed bodies on FastAPI 0.110 (requirements.txt):
# get_db's finally runs when the endpoint returns, before either.
from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import StreamingResponse
from sqlalchemy import text

from app.db import DbSession, SessionLocal

router = APIRouter(prefix="/orders")


def send_receipt(db, order_id: int) -> None:
    db.execute(text("UPDATE orders SET receipt_sent = true WHERE id = :id"), {"id": order_id})
    db.commit()


def send_receipt_by_id(order_id: int) -> None:
    with SessionLocal() as db:
        send_receipt(db, order_id)


def rows(db, order_id: int):
    for row in db.execute(text("SELECT line FROM order_lines WHERE order_id = :id"), {"id": order_id}):
        yield f"{row.line}\n"


@router.post("/{order_id}/confirm")
def confirm(order_id: int, tasks: BackgroundTasks, db: DbSession):
    db.execute(text("UPDATE orders SET confirmed = true WHERE id = :id"), {"id": order_id})
    db.commit()
    tasks.add_task(send_receipt, db, order_id)  # expect: SL202
    return {"confirmed": order_id}


@router.post("/{order_id}/confirm-by-id")
def confirm_by_id(order_id: int, tasks: BackgroundTasks, db: DbSession):
    db.execute(text("UPDATE orders SET confirmed = true WHERE id = :id"), {"id": order_id})
    db.commit()
    tasks.add_task(send_receipt_by_id, order_id)
    return {"confirmed": order_id}


@router.get("/{order_id}/lines")
def lines(order_id: int, db: DbSession):
    return StreamingResponse(rows(db, order_id), media_type="text/plain")  # expect: SL202


@router.get("/{order_id}/lines-buffered")
def lines_buffered(order_id: int, db: DbSession):
    body = "".join(rows(db, order_id))
    return StreamingResponse(iter([body]), media_type="text/plain")


from typing import Annotated  # noqa: E402

from fastapi import Depends  # noqa: E402

from app.repository import OrderRepository  # noqa: E402


@router.get("/open")
def open_orders(repo: OrderRepository = Depends()):
    return repo.open_orders()


@router.post("/{order_id}/resend")
def resend(order_id: int, tasks: BackgroundTasks, repo: Annotated[OrderRepository, Depends()]):
    # the repository's session is get_db's, closed before the task runs
    tasks.add_task(repo.mark_sent, order_id)  # expect: SL202
    return {"queued": order_id}
