# SL103 on early exits: a return (or raise) before the release, outside any
# try/finally or with block, leaves the resource open on that path.
# Reported on the acquisition.
import os

import psycopg
import psycopg2
from fastapi import FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

from app.models import Customer, Order

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine)
pg_pool = ThreadedConnectionPool(1, 10, DSN)
app = FastAPI()


# `return None` for the not-found case skips the close.
def find_customer(email):
    db = SessionLocal()  # expect: SL103
    try:
        customer = db.scalar(select(Customer).where(Customer.email == email))
    except SQLAlchemyError:
        db.close()
        raise
    if customer is None:
        return None
    db.close()
    return customer


# an async endpoint that returns early for a missing order.
@app.get("/orders/{order_id}")
async def get_order(order_id: int):
    session = AsyncSessionLocal()  # expect: SL103
    order = await session.get(Order, order_id)
    if order is None:
        return {"found": False}
    await session.close()
    return {"found": True, "total": order.total}


# a return inside `with conn.cursor()` (which closes only the cursor).
def has_permission(user_id, perm):
    conn = pg_pool.getconn()  # expect: SL103
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT 1 FROM grants WHERE user_id = %s AND perm = %s", (user_id, perm)
            )
            if cur.fetchone() is None:
                return False
    except psycopg2.Error:
        pg_pool.putconn(conn, close=True)
        raise
    pg_pool.putconn(conn)
    return True


# the default case of a match returns without closing.
def apply_action(action, item_id):
    conn = engine.connect()  # expect: SL103
    try:
        match action:
            case "archive":
                conn.execute(text("UPDATE items SET archived = true WHERE id = :i"), {"i": item_id})
            case "delete":
                conn.execute(text("DELETE FROM items WHERE id = :i"), {"i": item_id})
            case _:
                return False
        conn.commit()
    except DBAPIError:
        conn.close()
        raise
    conn.close()
    return True


# psycopg 3: the empty-queue return skips the close.
def next_job():
    conn = psycopg.connect(DSN)  # expect: SL103
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM jobs WHERE state = 'queued' LIMIT 1 FOR UPDATE SKIP LOCKED")
            row = cur.fetchone()
    except psycopg.Error:
        conn.close()
        raise
    if row is None:
        return None
    conn.execute("UPDATE jobs SET state = 'running' WHERE id = %s", (row[0],))
    conn.commit()
    conn.close()
    return row[0]


# a guard that raises before the close, outside the try.
def cancel_order(order_id, user_id):
    db = SessionLocal()  # expect: SL103
    order = db.get(Order, order_id)
    if order.user_id != user_id:
        raise PermissionError(order_id)
    try:
        order.status = "cancelled"
        db.commit()
    finally:
        db.close()


# quiet: the early return runs through finally.
def find_customer_safely(email):
    db = SessionLocal()
    try:
        customer = db.scalar(select(Customer).where(Customer.email == email))
        if customer is None:
            return None
        return customer.id
    finally:
        db.close()


# quiet: the early return is inside the with block that closes.
def order_total(order_id):
    with SessionLocal() as db:
        order = db.get(Order, order_id)
        if order is None:
            return 0
        return order.total


# quiet: the early return comes before the acquisition.
def count_orders(customer_id):
    if customer_id is None:
        return 0
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM orders WHERE customer_id = :c"), {"c": customer_id}
        ).scalar_one()


# quiet: the connection itself is returned on one branch (ownership goes to
# the caller) and closed on the other.
def connect_if_recent_server(dsn):
    conn = psycopg2.connect(dsn)
    if conn.server_version < 130000:
        conn.close()
        return None
    return conn
