# Blind cases for issue 12, point 9: no silent loss of paths.  CRUD helpers
# that take an optional session, make their own when given none
# (`if session is None: session = make(); own = True`) and close it at the
# end only if they made it (`if own: session.close()` in finally).  Between
# the two sit a dozen independent branches (optional fields, lookups,
# commit-or-flush), far more paths than a handful; the correlation between
# `own` and "this function made the session" must survive all of them.
# Quiet: the helpers with the close in finally.  Bad: the same helpers where
# one path leaves before the try (an early return, a lookup that raises),
# SL103 on the acquisition inside `if session is None:`.
import os
import re

import asyncpg
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Account, Customer

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


def normalize_phone(raw: str) -> str:
    return re.sub(r"[^0-9+]", "", raw)


def upsert_customer(payload: dict, session: Session | None = None, *, commit: bool = True) -> int:
    own = False
    if session is None:
        session = SessionLocal()
        own = True
    try:
        customer = None
        if payload.get("id") is not None:
            customer = session.get(Customer, payload["id"])
        if customer is None and payload.get("email"):
            customer = session.execute(
                select(Customer).where(Customer.email == payload["email"].lower())
            ).scalar_one_or_none()
        if customer is None:
            customer = Customer()
            session.add(customer)
        if "name" in payload:
            customer.name = payload["name"].strip()
        if "email" in payload:
            customer.email = payload["email"].lower()
        if "phone" in payload:
            customer.phone = normalize_phone(payload["phone"])
        if "country" in payload:
            customer.country = payload["country"].upper()
        if payload.get("vip"):
            customer.tier = "vip"
        elif payload.get("trial"):
            customer.tier = "trial"
        else:
            customer.tier = "standard"
        if payload.get("tags"):
            customer.tags = sorted(set(payload["tags"]))
        if payload.get("newsletter") is not None:
            customer.newsletter = bool(payload["newsletter"])
        if payload.get("referrer_id"):
            referrer = session.get(Customer, payload["referrer_id"])
            if referrer is not None:
                customer.referrer_id = referrer.id
        if commit:
            session.commit()
        else:
            session.flush()
        return customer.id
    finally:
        if own:
            session.close()


def merge_accounts(source_id: int, target_id: int, session: Session | None = None, dry_run: bool = False) -> bool:
    own = False
    if session is None:
        session = SessionLocal()  # expect: SL103
        own = True
    source = session.get(Account, source_id)
    if source is None:
        return False
    try:
        target = session.get(Account, target_id)
        if target is None:
            raise LookupError(target_id)
        if source.currency != target.currency:
            raise ValueError("currency mismatch")
        if source.frozen:
            raise PermissionError(source_id)
        if target.frozen:
            raise PermissionError(target_id)
        if source.balance:
            target.balance += source.balance
            source.balance = 0
        if source.credit_limit and source.credit_limit > target.credit_limit:
            target.credit_limit = source.credit_limit
        if source.email and not target.email:
            target.email = source.email
        if source.phone and not target.phone:
            target.phone = source.phone
        if source.notes:
            target.notes = f"{target.notes or ''}\n{source.notes}".strip()
        source.closed = True
        if dry_run:
            session.rollback()
        else:
            session.commit()
        return True
    finally:
        if own:
            session.close()


async def record_payment(
    payment: dict, pool: asyncpg.Pool, conn: asyncpg.Connection | None = None
) -> int:
    release = False
    if conn is None:
        conn = await pool.acquire()
        release = True
    try:
        amount = payment["amount"]
        if payment.get("currency", "EUR") != "EUR":
            amount = await conn.fetchval("SELECT convert_to_eur($1, $2)", amount, payment["currency"])
        if payment.get("fee"):
            amount -= payment["fee"]
        if payment.get("discount"):
            amount -= payment["discount"]
        if payment.get("tip"):
            amount += payment["tip"]
        method = payment.get("method") or "card"
        if method == "card":
            ref = payment.get("card_ref")
        elif method == "sepa":
            ref = payment.get("iban")
        elif method == "paypal":
            ref = payment.get("paypal_id")
        else:
            ref = None
        if payment.get("order_id"):
            await conn.execute("UPDATE orders SET paid = true WHERE id = $1", payment["order_id"])
        if payment.get("invoice_id"):
            await conn.execute("UPDATE invoices SET paid = true WHERE id = $1", payment["invoice_id"])
        if payment.get("customer_id"):
            await conn.execute("UPDATE customers SET last_paid_at = now() WHERE id = $1", payment["customer_id"])
        return await conn.fetchval(
            "INSERT INTO payments (amount, method, ref) VALUES ($1, $2, $3) RETURNING id", amount, method, ref
        )
    finally:
        if release:
            await pool.release(conn)
