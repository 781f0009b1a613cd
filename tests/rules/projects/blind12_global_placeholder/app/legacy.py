# A module-global *session* opened at startup from the placeholder engine
# and read by request handlers: every request shares it.
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import database

router = APIRouter(prefix="/legacy")

db: Session | None = None
LegacySession: sessionmaker | None = None


def open_legacy_session() -> None:
    global db
    db = Session(database.sync_engine)  # expect: SL201


def open_legacy_factory() -> None:
    # quiet: a factory in a global is what a factory is for
    global LegacySession
    LegacySession = sessionmaker(bind=database.sync_engine)


def close_legacy_session() -> None:
    if db is not None:
        db.close()


@router.get("/customers/{customer_id}")
def legacy_customer(customer_id: int):
    row = db.execute(text("SELECT id, name FROM customers WHERE id = :id"), {"id": customer_id}).mappings().first()
    return dict(row) if row else None


@router.get("/suppliers/{supplier_id}")
def legacy_supplier(supplier_id: int):
    with LegacySession() as session:
        row = session.execute(text("SELECT id, name FROM suppliers WHERE id = :id"), {"id": supplier_id}).mappings().first()
    return dict(row) if row else None
