# Helpers the endpoints call to schedule e-mails.  The finding belongs on
# the hand-off here, where the fix goes (hand over the id, not the session).
from fastapi import BackgroundTasks
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import SessionLocal


def send_shipping_email(db: Session, order_id: int) -> None:
    email = db.execute(text("SELECT email FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
    db.execute(text("INSERT INTO outbox (address, kind) VALUES (:a, 'shipped')"), {"a": email})
    db.commit()


def send_shipping_email_by_id(order_id: int) -> None:
    with SessionLocal() as db:
        send_shipping_email(db, order_id)


def queue_shipping_email(tasks: BackgroundTasks, db: Session, order_id: int) -> None:
    tasks.add_task(send_shipping_email, db, order_id)  # expect: SL202


def queue_shipping_email_by_id(tasks: BackgroundTasks, order_id: int) -> None:
    tasks.add_task(send_shipping_email_by_id, order_id)
