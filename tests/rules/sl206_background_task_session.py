# args: --fastapi-version 0.118
# SL206 nested-checkout through a background task.  From FastAPI 0.118 a
# yield dependency's exit code runs after the response and its background
# tasks, so a request session still in a transaction when the endpoint
# returns keeps its pooled connection while the background task runs; a
# task that opens its own session from the same pool takes a second one per
# request.  A session whose transaction ended before the return holds
# nothing, and a task on another pool takes none of this one's.
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
audit_engine = create_engine("postgresql+psycopg2://app@audit/audit")
AuditSession = sessionmaker(bind=audit_engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


Db = Annotated[Session, Depends(get_db)]


def recount_orders(customer_id: int):
    with SessionLocal() as s:
        n = s.execute(text("select count(*) from orders where customer_id = :c"),
                      {"c": customer_id}).scalar()
        s.execute(text("update customers set orders = :n where id = :c"),
                  {"n": n, "c": customer_id})
        s.commit()


def write_audit(customer_id: int):
    with AuditSession() as s:
        s.execute(text("insert into audit (customer_id) values (:c)"), {"c": customer_id})
        s.commit()


def log_locally(customer_id: int):
    print("customer", customer_id)


def load_customer(db: Session, customer_id: int):
    return db.execute(text("select * from customers where id = :c"), {"c": customer_id}).first()


@app.post("/customers/{customer_id}/orders")
def add_order(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("insert into orders (customer_id) values (:c)"), {"c": customer_id})
    db.commit()
    row = db.execute(text("select name from customers where id = :c"), {"c": customer_id}).first()
    tasks.add_task(recount_orders, customer_id)  # expect: SL206 "takes a second connection"
    return {"name": row.name}


@app.post("/customers/{customer_id}/touch")
def touch(customer_id: int, db: Db):
    customer = load_customer(db, customer_id)  # a helper's query: still in the transaction
    return JSONResponse(
        {"name": customer.name},
        background=BackgroundTask(recount_orders, customer_id),  # expect: SL206
    )


@app.post("/customers/{customer_id}/committed")
def committed(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    name = db.execute(text("select name from customers where id = :c"), {"c": customer_id}).scalar()
    db.execute(text("insert into orders (customer_id) values (:c)"), {"c": customer_id})
    tasks.add_task(recount_orders, customer_id)
    db.commit()  # the transaction ends before the return: the task's connection is its only one
    return {"name": name}


@app.post("/customers/{customer_id}/closed")
def closed(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    name = db.execute(text("select name from customers where id = :c"), {"c": customer_id}).scalar()
    db.close()
    tasks.add_task(recount_orders, customer_id)
    return {"name": name}


@app.post("/customers/{customer_id}/ids")
def ids_only(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("insert into orders (customer_id) values (:c)"), {"c": customer_id})
    db.commit()  # nothing read after the commit: no transaction open at the return
    tasks.add_task(recount_orders, customer_id)
    return {"ok": True}


@app.post("/customers/{customer_id}/audit")
def audited(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    name = db.execute(text("select name from customers where id = :c"), {"c": customer_id}).scalar()
    tasks.add_task(write_audit, customer_id)  # another engine's pool
    tasks.add_task(log_locally, customer_id)  # no connection at all
    return {"name": name}


def rows(customer_id: int):
    yield f"{customer_id}\n"


@app.get("/customers/{customer_id}/export")
def export(customer_id: int, db: Session = Depends(get_db)):
    db.execute(text("select 1")).scalar()
    return StreamingResponse(rows(customer_id))  # expect: SL205


def close_and_recount(db: Session, customer_id: int):
    db.commit()
    recount_orders(customer_id)


@app.post("/customers/{customer_id}/handed")
def handed(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("select 1 from customers where id = :c"), {"c": customer_id}).scalar()
    tasks.add_task(close_and_recount, db, customer_id)  # it commits the handed session first
    return {"ok": True}
