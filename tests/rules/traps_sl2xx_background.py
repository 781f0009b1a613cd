# Traps for SL202/SL204 (no version: the newest behaviour, FastAPI >= 0.118
# with the default scope="request"): background work that only gets ids or
# opens its own session, background tasks and streamed bodies that use the
# dependency's session (it stays open until the response is fully sent),
# fire-and-forget work that carries no session, providers that commit before
# the yield or only roll back and close after it, and the SQLAlchemy
# `session_scope()` context manager (committing after its yield is fine when
# it is not a FastAPI dependency).  No SL202/SL204 anywhere in this file; one
# SL206: send_invites reads through the session and returns in that
# transaction, so its connection stays out while the task takes a second
# (sl206_background_task_session.py).
import asyncio
import os
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from app.mail import send_mail
from app.models import Invite, Order, Payment, User

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


# The FastAPI docs' provider: only closes after the yield.
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# Rolls back on error and closes: no commit after the yield.
def get_db_rollback():
    db = SessionLocal()
    try:
        yield db
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


# Commits its setup before the yield; only closes after it.  (The committed
# session-level search_path stays on the pooled connection for the next
# request that gets it: SL303.)
def get_db_tenant(tenant: str = "public"):
    db = SessionLocal()
    try:
        db.execute(text("SET search_path TO :t"), {"t": tenant})  # expect: SL303
        db.commit()
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


@contextmanager
def session_scope():
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


@asynccontextmanager
async def async_session_scope():
    async with AsyncSessionLocal() as session:
        yield session
        await session.commit()


def email_user(user_id: int) -> None:
    with SessionLocal() as db:
        user = db.get(User, user_id)
        send_mail(user.email, "Your order shipped")


def mark_invites_sent(invite_ids: list) -> None:
    with session_scope() as db:
        for invite in db.scalars(select(Invite).where(Invite.id.in_(invite_ids))):
            invite.sent = True


def audit(db: Session, action: str) -> None:
    db.execute(text("INSERT INTO audit(action) VALUES (:a)"), {"a": action})
    db.commit()


async def notify(user_id: int) -> None:
    async with AsyncSessionLocal() as session:
        user = await session.get(User, user_id)
        send_mail(user.email, "Payment received")


@app.post("/orders/{order_id}/ship")
def ship(order_id: int, background_tasks: BackgroundTasks, db: DB):
    order = db.get(Order, order_id)
    order.shipped = True
    db.commit()
    background_tasks.add_task(email_user, order.user_id)
    return {"shipped": order_id}


@app.post("/invites/send")
def send_invites(background_tasks: BackgroundTasks, db: Session = Depends(get_db_rollback)):
    ids = [i.id for i in db.scalars(select(Invite).where(Invite.sent.is_(False)))]
    background_tasks.add_task(mark_invites_sent, ids)  # expect: SL206
    return {"queued": len(ids)}


# Newest behaviour: the session is still open while the task runs.
@app.post("/orders/{order_id}/cancel")
def cancel(order_id: int, background_tasks: BackgroundTasks, db: DB):
    db.get(Order, order_id).cancelled = True
    db.commit()
    background_tasks.add_task(audit, db, "cancel")
    return {"cancelled": order_id}


@app.post("/orders/{order_id}/hold")
def hold(order_id: int, db: Session = Depends(get_db_tenant)):
    db.get(Order, order_id).held = True
    db.commit()
    return JSONResponse({"held": order_id}, background=BackgroundTask(audit, db, "hold"))


def order_lines(db: Session):
    for order in db.scalars(select(Order)):
        yield f"{order.id},{order.total}\n"


def order_lines_own_session():
    with SessionLocal() as db:
        for order in db.scalars(select(Order)):
            yield f"{order.id},{order.total}\n"


async def payment_lines_own_session():
    async with AsyncSessionLocal() as session:
        for payment in await session.scalars(select(Payment)):
            yield f"{payment.id},{payment.amount}\n"


# Newest behaviour: the body is streamed before get_db's finally.
@app.get("/orders.csv")
def export_orders(db: DB):
    return StreamingResponse(order_lines(db), media_type="text/csv")


@app.get("/orders-own.csv")
def export_orders_own():
    return StreamingResponse(order_lines_own_session(), media_type="text/csv")


@app.get("/payments.csv")
async def export_payments():
    return StreamingResponse(payment_lines_own_session(), media_type="text/csv")


# A fire-and-forget task that only carries an id and opens its own session.
@app.post("/payments/{payment_id}/confirm")
async def confirm_payment(payment_id: int, session: ADB):
    payment = await session.get(Payment, payment_id)
    payment.confirmed = True
    await session.commit()
    asyncio.create_task(notify(payment.user_id))
    return {"confirmed": payment_id}


# The endpoint owns its session with `with` and hands nothing on.
@app.post("/users/{user_id}/deactivate")
def deactivate(user_id: int, background_tasks: BackgroundTasks):
    with SessionLocal() as db:
        db.get(User, user_id).active = False
        db.commit()
    background_tasks.add_task(email_user, user_id)
    return {"deactivated": user_id}


# session_scope is a plain context manager: its commit is inside the request.
@app.post("/users/{user_id}/activate")
def activate(user_id: int):
    with session_scope() as db:
        db.get(User, user_id).active = True
    return {"activated": user_id}


@app.post("/users/{user_id}/verify")
async def verify(user_id: int):
    async with async_session_scope() as session:
        (await session.get(User, user_id)).verified = True
    return {"verified": user_id}


# The background task receives the sessionmaker (a factory), not a session.
def purge_expired(factory: sessionmaker) -> None:
    with factory() as db:
        db.execute(text("DELETE FROM invites WHERE expires_at < now()"))
        db.commit()


@app.post("/invites/purge")
def purge(background_tasks: BackgroundTasks):
    background_tasks.add_task(purge_expired, SessionLocal)
    return {"queued": True}
