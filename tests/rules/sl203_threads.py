# SL203 concurrent-use: one Session or connection used by several threads at
# once (ThreadPoolExecutor.map, several submit() calls, threads started
# together).  A Session is not thread-safe; neither is a psycopg2 cursor or a
# SQLAlchemy Connection.  The work is waited for (no SL202): the defect is
# only the sharing.
# Convention: the finding is on the line that starts the concurrent work:
# executor.map(...), the second submit(...) on the same session, the second
# threading.Thread(...) on the same session.
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.models import Customer, Invoice

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


def invoice_total(db: Session, customer_id: int):
    return db.scalar(select(func.sum(Invoice.total)).where(Invoice.customer_id == customer_id))


def customer_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Customer))


def invoice_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Invoice))


def invoice_total_own_session(customer_id: int):
    with SessionLocal() as db:
        return db.scalar(select(func.sum(Invoice.total)).where(Invoice.customer_id == customer_id))


# Bad: map() runs invoice_total on four threads, all on one session.
@app.get("/totals")
def totals(ids: str, db: DB):
    customer_ids = [int(i) for i in ids.split(",")]
    with ThreadPoolExecutor(max_workers=4) as ex:
        return list(ex.map(lambda cid: invoice_total(db, cid), customer_ids))  # expect: SL203


# Bad: two submits sharing the session.
@app.get("/counts")
def counts(db: DB):
    with ThreadPoolExecutor(max_workers=2) as ex:
        customers = ex.submit(customer_count, db)
        invoices = ex.submit(invoice_count, db)  # expect: SL203
        return {"customers": customers.result(), "invoices": invoices.result()}


# Bad: submits in a loop, collected with as_completed.
@app.get("/totals/fast")
def totals_fast(ids: str, db: DB):
    with ThreadPoolExecutor() as ex:
        futures = [ex.submit(invoice_total, db, int(i)) for i in ids.split(",")]  # expect: SL203
        return [f.result() for f in as_completed(futures)]


# Bad: two threads started together on one endpoint-owned session, joined.
@app.post("/recount")
def recount():
    with SessionLocal() as db:
        results = {}
        t1 = threading.Thread(target=lambda: results.update(c=customer_count(db)))
        t2 = threading.Thread(target=lambda: results.update(i=invoice_count(db)))  # expect: SL203
        t1.start()
        t2.start()
        t1.join()
        t2.join()
    return results


# Bad: a Connection shared by mapped threads.
@app.get("/exists")
def exists(ids: str):
    with engine.connect() as conn:
        with ThreadPoolExecutor(max_workers=4) as ex:
            return list(ex.map(lambda i: conn.execute(text("SELECT 1 FROM customers WHERE id = :i"), {"i": int(i)}).first() is not None, ids.split(",")))  # expect: SL203


# Quiet: each thread opens its own session.
@app.get("/totals/own")
def totals_own(ids: str):
    with ThreadPoolExecutor(max_workers=4) as ex:
        return list(ex.map(invoice_total_own_session, [int(i) for i in ids.split(",")]))


# Quiet: one submit, waited for; the endpoint does not touch the session
# while the worker runs.
@app.get("/counts/offloaded")
def counts_offloaded(db: DB):
    with ThreadPoolExecutor(max_workers=1) as ex:
        future = ex.submit(customer_count, db)
        done, _ = wait([future])
        return {"customers": future.result()}


# Quiet: submits one after the other, each waited for before the next.
@app.get("/counts/serial")
def counts_serial(db: DB):
    with ThreadPoolExecutor(max_workers=1) as ex:
        customers = ex.submit(customer_count, db).result()
        invoices = ex.submit(invoice_count, db).result()
    return {"customers": customers, "invoices": invoices}
