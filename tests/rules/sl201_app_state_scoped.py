# SL201 shared-across-requests: a session or connection stored on app.state
# (in a startup handler or a lifespan) or in a module global at startup and
# read by request handlers, and a scoped_session registry called from
# `async def` endpoints: all requests on the event loop run in one thread, so
# the thread-local registry hands them all the same Session.
# Convention: the finding is on the line that stores the shared object
# (`app.state.x = ...`, the global assignment); for scoped_session, on the
# line of the registry call inside the `async def` endpoint.
import os
from contextlib import asynccontextmanager, contextmanager

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import scoped_session, sessionmaker

from app.models import Order, Product, Tenant

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
ScopedSession = scoped_session(SessionLocal)
DSN = os.environ["DATABASE_DSN"]


# Bad: one Session created in the lifespan and kept on app.state for the
# whole life of the app; every request reads the same one.
@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.db = SessionLocal()  # expect: SL201
    try:
        yield
    finally:
        app.state.db.close()


app = FastAPI(lifespan=lifespan)
admin = FastAPI()
router = APIRouter(prefix="/shop")
_conn = None


# Bad: one Session created at startup on a second app.
@admin.on_event("startup")
def open_admin_session():
    admin.state.db = SessionLocal()  # expect: SL201


@admin.on_event("shutdown")
def close_admin_session():
    admin.state.db.close()


# Bad: one asyncpg connection at startup; asyncpg raises "another operation
# is in progress" as soon as two requests overlap.
@app.on_event("startup")
async def open_pg():
    app.state.pg = await asyncpg.connect(DSN)  # expect: SL201


@app.on_event("shutdown")
async def close_pg():
    await app.state.pg.close()


# Bad: the same through a module global set at startup.
@admin.on_event("startup")
async def open_global_conn():
    global _conn
    _conn = await asyncpg.connect(DSN)  # expect: SL201


@admin.on_event("shutdown")
async def close_global_conn():
    await _conn.close()


@router.get("/products/{product_id}")
def read_product(product_id: int, request: Request):
    return request.app.state.db.get(Product, product_id)


@router.get("/orders/count")
async def count_orders(request: Request):
    return {"orders": await request.app.state.pg.fetchval("SELECT count(*) FROM orders")}


@admin.get("/tenants")
def list_tenants(request: Request):
    return request.app.state.db.scalars(select(Tenant)).all()


@admin.get("/tenants/count")
async def count_tenants():
    return {"tenants": await _conn.fetchval("SELECT count(*) FROM tenants")}


# Bad: scoped_session called from an async endpoint: the registry is keyed
# by thread, and all async endpoints run on the loop's thread.
@router.get("/orders/{order_id}")
async def read_order(order_id: int):
    session = ScopedSession()  # expect: SL201
    return session.get(Order, order_id)


# Bad: the registry's proxy methods in an async endpoint.
@router.get("/products")
async def list_products():
    return ScopedSession.query(Product).limit(20).all()  # expect: SL201


# Quiet: a sync endpoint runs in the threadpool, one thread per request at a
# time, and removes its scoped session at the end.
@router.get("/orders")
def list_orders():
    try:
        return ScopedSession.scalars(select(Order).limit(20)).all()
    finally:
        ScopedSession.remove()


# Quiet: a sync endpoint reading through the registry object.
@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int):
    session = ScopedSession()
    try:
        session.execute(text("UPDATE orders SET status = 'cancelled' WHERE id = :i"), {"i": order_id})
        session.commit()
    finally:
        ScopedSession.remove()
    return {"ok": True}



# Quiet: a context manager whose finally removes the registry, entered by a
# sync endpoint: setup, body and teardown all run on the endpoint's thread.
@contextmanager
def scoped_unit():
    session = ScopedSession()
    try:
        yield session
        session.commit()
    finally:
        ScopedSession.remove()


@router.post("/orders/{order_id}/ship")
def ship_order(order_id: int):
    with scoped_unit() as session:
        session.execute(text("UPDATE orders SET status = 'shipped' WHERE id = :i"), {"i": order_id})
    return {"ok": True}


# Bad: the same generator as a dependency: FastAPI runs its setup and its
# teardown as two threadpool calls, so remove() may clear another thread's
# session and leave this one's behind.
def scoped_dependency():
    session = ScopedSession()  # expect: SL201
    try:
        yield session
    finally:
        ScopedSession.remove()


@router.get("/orders/{order_id}/lines")
def order_lines(order_id: int, session=Depends(scoped_dependency)):
    return session.execute(text("SELECT * FROM lines WHERE order_id = :i"), {"i": order_id}).all()

app.include_router(router)
