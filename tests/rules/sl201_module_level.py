# SL201 shared-across-requests: a session or connection created once and
# kept where every request reaches it (module level, a class attribute, a
# default argument value, the result of an lru_cache/cache function), then
# used by request handlers.  Concurrent requests interleave their statements
# and transactions on the one session/connection; one request's rollback
# throws away another's writes.
# Convention: the finding is on the line that creates/stores the shared
# object: the module-level assignment, the class attribute, the `def` line
# holding the default argument, the `return` in the cached function.
import functools
import os
from functools import lru_cache
from typing import Annotated

import psycopg2
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.models import Invoice, Item, User

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
app = FastAPI()
router = APIRouter(prefix="/v1")

# Bad: one Session for the whole process, used by every request.
db = SessionLocal()  # expect: SL201

# Bad: one psycopg2 connection for the whole process; its transaction is
# shared by all requests (one request's error aborts everyone's).
pg_conn = psycopg2.connect(os.environ["DATABASE_DSN"])  # expect: SL201

# Bad: a SQLAlchemy Connection checked out at import time and shared.
shared_conn = engine.connect()  # expect: SL201


@app.on_event("shutdown")
def close_shared_connections():
    pg_conn.close()
    shared_conn.close()
    db.close()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404)
    return item


@app.post("/items")
def create_item(name: str):
    item = Item(name=name)
    db.add(item)
    db.commit()
    return {"id": item.id}


@app.get("/stats/users")
def count_users():
    with pg_conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM users")
        return {"users": cur.fetchone()[0]}


@app.get("/stats/invoices")
def count_invoices():
    return {"invoices": shared_conn.execute(text("SELECT count(*) FROM invoices")).scalar_one()}


# Bad: a class attribute is evaluated once, at class creation: every
# InvoiceService instance (one per request) shares this session.
class InvoiceService:
    session = SessionLocal()  # expect: SL201

    def unpaid(self):
        return self.session.scalars(select(Invoice).where(Invoice.paid.is_(False))).all()


@router.get("/invoices/unpaid")
def unpaid_invoices(service: InvoiceService = Depends()):
    return service.unpaid()


# Bad: a default value is evaluated once, when `def` runs: every request that
# does not pass `session` shares the same Session.
@router.get("/users/{user_id}")
def read_user(user_id: int, session: Session = SessionLocal()):  # expect: SL201
    return session.get(User, user_id)


# Bad: the same in a helper that handlers call without the argument.
def find_user_by_email(email: str, session: Session = SessionLocal()):  # expect: SL201
    return session.scalars(select(User).where(User.email == email)).first()


@router.get("/users/by-email/{email}")
def read_user_by_email(email: str):
    return find_user_by_email(email)


# Bad: lru_cache turns the "session per call" factory into a process-wide
# singleton: every request gets the first Session ever created.
@lru_cache
def get_session() -> Session:
    return SessionLocal()  # expect: SL201


CachedSession = Annotated[Session, Depends(get_session)]


@router.get("/items")
def list_items(session: CachedSession):
    return session.scalars(select(Item).limit(50)).all()


# Bad: functools.cache, same singleton, called directly by the handler.
@functools.cache
def reporting_session() -> Session:
    return SessionLocal()  # expect: SL201


@router.get("/reports/items")
def items_report():
    return reporting_session().execute(text("SELECT count(*) FROM items")).scalar_one()


# Bad: lru_cache(maxsize=1) with parentheses.
@lru_cache(maxsize=1)
def audit_connection():
    return psycopg2.connect(os.environ["AUDIT_DSN"])  # expect: SL201


@router.post("/audit")
def write_audit(event: str):
    conn = audit_connection()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO audit(event) VALUES (%s)", (event,))
    conn.commit()
    return {"ok": True}


app.include_router(router)
