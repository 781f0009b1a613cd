# args: --fastapi-version 0.110
# SL202 outlives-owner on FastAPI 0.106-0.117: the exit code of a yield
# dependency runs when the endpoint returns, before the response is sent and
# before background tasks, so a background task or a streamed body that uses
# the dependency's session uses a session get_db already closed (it silently
# checks out a new connection that nothing returns).
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the line of the hand-off: add_task(...), the
# Response(..., background=...) or StreamingResponse(...) construction.
import os
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from app.mail import send_mail
from app.models import Order, Receipt, User

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DB = Annotated[Session, Depends(get_db)]


def send_receipt(db: Session, order_id: int) -> None:
    order = db.get(Order, order_id)
    db.add(Receipt(order_id=order.id, total=order.total))
    db.commit()


def send_receipt_by_id(order_id: int) -> None:
    with SessionLocal() as db:
        order = db.get(Order, order_id)
        db.add(Receipt(order_id=order.id, total=order.total))
        db.commit()


# Bad: the session goes to a background task that runs after get_db closed it.
@app.post("/orders/{order_id}/pay")
def pay(order_id: int, background_tasks: BackgroundTasks, db: DB):
    db.get(Order, order_id).paid = True
    db.commit()
    background_tasks.add_task(send_receipt, db, order_id)  # expect: SL202
    return {"paid": order_id}


# Bad: the same through a lambda that captures the session.
@app.post("/orders/{order_id}/ship")
def ship(order_id: int, background_tasks: BackgroundTasks, db: DB):
    background_tasks.add_task(lambda: send_receipt(db, order_id))  # expect: SL202
    return {"shipped": order_id}


# Bad: a nested function closing over the session.
@app.post("/users/{user_id}/welcome")
def welcome(user_id: int, background_tasks: BackgroundTasks, db: DB):
    def notify() -> None:
        user = db.get(User, user_id)
        send_mail(user.email, "Welcome!")

    background_tasks.add_task(notify)  # expect: SL202
    return {"ok": True}


# Bad: a BackgroundTask attached to the response.
@app.post("/orders/{order_id}/refund")
def refund(order_id: int, db: Session = Depends(get_db)):
    return JSONResponse({"refunded": order_id}, background=BackgroundTask(send_receipt, db, order_id))  # expect: SL202


def order_rows(db: Session):
    for order in db.scalars(select(Order).execution_options(yield_per=1000)):
        yield f"{order.id},{order.total}\n"


# Bad: a streamed body is iterated after the endpoint returned.
@app.get("/orders.csv")
def export_orders(db: DB):
    return StreamingResponse(order_rows(db), media_type="text/csv")  # expect: SL202


# Bad: an inner generator closing over the session.
@app.get("/users.csv")
def export_users(db: DB):
    def rows():
        for user in db.scalars(select(User)):
            yield f"{user.id},{user.email}\n"

    return StreamingResponse(rows(), media_type="text/csv")  # expect: SL202


# Quiet: the task gets the id and opens its own session.
@app.post("/orders/{order_id}/resend")
def resend(order_id: int, background_tasks: BackgroundTasks, db: DB):
    if db.get(Order, order_id) is None:
        return {"found": False}
    background_tasks.add_task(send_receipt_by_id, order_id)
    return {"queued": order_id}


def user_rows_own_session():
    with SessionLocal() as db:
        for user in db.scalars(select(User)):
            yield f"{user.id},{user.email}\n"


# Quiet: the streamed body opens its own session.
@app.get("/users-own.csv")
def export_users_own_session():
    return StreamingResponse(user_rows_own_session(), media_type="text/csv")


# Quiet: the data is read before the endpoint returns; the stream only
# formats plain values.
@app.get("/orders-small.csv")
def export_orders_small(db: DB):
    rows = [f"{o.id},{o.total}\n" for o in db.scalars(select(Order).limit(100))]
    return StreamingResponse(iter(rows), media_type="text/csv")
