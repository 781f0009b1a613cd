# Traps: resources passed as parameters (borrowed: the caller owns them),
# and owned resources passed to functions this file cannot see (unknown
# callees borrow without releasing, so the caller's own release stays the
# release and no use after it is invented).  All correct: no finding
# anywhere in this file.
import os
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import audit_log, notifications
from app.models import Order, User
from app.schemas import OrderIn

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


SessionDep = Annotated[Session, Depends(get_db)]


# a service function: uses its session parameter, never closes it.
def save_order(db: Session, data: OrderIn) -> Order:
    order = Order(**data.model_dump())
    db.add(order)
    db.flush()
    return order


# a service function calling another with the same session.
def place_order(db: Session, data: OrderIn, user_id: int) -> Order:
    order = save_order(db, data)
    order.user_id = user_id
    db.commit()
    db.refresh(order)
    return order


# an endpoint passing the borrowed session down the call chain.
@app.post("/orders")
def create_order(data: OrderIn, user_id: int, db: SessionDep):
    order = place_order(db, data, user_id)
    audit_log.write(db, "order.created", order.id)
    return {"id": order.id}


# rollback and refresh on a borrowed session are not releases.
@app.put("/users/{user_id}")
def rename_user(user_id: int, name: str, db: Session = Depends(get_db)):
    user = db.get(User, user_id)
    try:
        user.name = name
        db.commit()
    except Exception:
        db.rollback()
        raise
    db.refresh(user)
    return user


# an owned session passed to unknown functions, closed in finally: the
# callees borrow it, so the close is still the release and nothing after
# the calls is a use after release.
def send_reminders():
    db = SessionLocal()
    try:
        notifications.send_due(db)
        audit_log.write(db, "reminders.sent", None)
        db.commit()
    finally:
        db.close()


# a borrowed psycopg2 connection: cursors in with blocks, no close.
def total_for(conn, user_id):
    with conn.cursor() as cur:
        cur.execute("SELECT sum(total) FROM orders WHERE user_id = %s", (user_id,))
        return cur.fetchone()[0]


# a borrowed asyncpg connection used in a transaction block.
async def move_order(conn: asyncpg.Connection, order_id: int, user_id: int):
    async with conn.transaction():
        await conn.execute("UPDATE orders SET user_id = $1 WHERE id = $2", user_id, order_id)


# a repository dependency built on the borrowed session (a class
# dependency that stores it).
class OrderRepository:
    def __init__(self, db: SessionDep):
        self.db = db

    def recent(self, limit: int):
        return self.db.scalars(select(Order).order_by(Order.id.desc()).limit(limit)).all()


@app.get("/orders/recent")
def recent_orders(repo: Annotated[OrderRepository, Depends()]):
    return repo.recent(20)


# a sub-dependency that hands the borrowed session on.
def get_user_repo(db: Session = Depends(get_db)):
    return {"db": db, "table": User}


@app.get("/users/count")
def count_users(repo=Depends(get_user_repo)):
    return len(repo["db"].scalars(select(User.id)).all())
