from celery import shared_task
from sqlalchemy import text

from shop import db


@shared_task
def restock(sku):
    db.session.execute(text("UPDATE stock SET qty = qty + 10 WHERE sku = :s"), {"s": sku})
    db.session.commit()
