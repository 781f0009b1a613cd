# Blind cases for issue 12, point 5: request-owned storage.  A middleware
# that puts a fresh session or connection on request.state owns it:
# call_next uses it (the endpoints read request.state.db), and a release that
# only the normal return of call_next reaches is SL103 on the assignment.
# call_next raises whenever the endpoint raises, and at its await the
# request can be cancelled (CancelledError is not an Exception).  Same for a
# pooled connection given back with putconn()/release() and an AsyncSession
# closed with aclose().  Quiet: the same middlewares with try/finally, the
# FastAPI documentation's former pattern, a BaseHTTPMiddleware with finally,
# and request.state holding a pool (shared by design) rather than a
# connection.
import os

import asyncpg
from fastapi import FastAPI, Request, Response
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker
from starlette.middleware.base import BaseHTTPMiddleware

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 10, dsn=os.environ["DATABASE_DSN"])

# one sub-application per middleware, mounted under the main app
app = FastAPI()
shop = FastAPI()
shop_docs = FastAPI()
admin = FastAPI()
admin_safe = FastAPI()
legacy = FastAPI()
legacy_safe = FastAPI()
reports = FastAPI()
reports_safe = FastAPI()
backoffice = FastAPI()
backoffice_safe = FastAPI()


async def open_pool(sub: FastAPI) -> None:
    sub.state.pool = await asyncpg.create_pool(os.environ["DATABASE_DSN"])


@reports.on_event("startup")
async def reports_pool() -> None:
    await open_pool(reports)


@reports_safe.on_event("startup")
async def reports_safe_pool() -> None:
    await open_pool(reports_safe)


# --- bad: released only when call_next returns ------------------------------------


@shop.middleware("http")
async def db_session_middleware(request: Request, call_next):
    request.state.db = SessionLocal()  # expect: SL103
    response = await call_next(request)
    request.state.db.close()
    return response


@admin.middleware("http")
async def async_session_middleware(request: Request, call_next):
    request.state.session = AsyncSessionLocal()  # expect: SL103
    response = await call_next(request)
    await request.state.session.aclose()
    return response


@legacy.middleware("http")
async def pg_connection_middleware(request: Request, call_next):
    request.state.conn = pg_pool.getconn()  # expect: SL103
    response = await call_next(request)
    pg_pool.putconn(request.state.conn)
    return response


@reports.middleware("http")
async def asyncpg_connection_middleware(request: Request, call_next):
    request.state.conn = await request.app.state.pool.acquire()  # expect: SL103
    try:
        response = await call_next(request)
    except Exception:
        await request.app.state.pool.release(request.state.conn)
        raise
    await request.app.state.pool.release(request.state.conn)
    return response


class SessionPerRequest(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        request.state.db = SessionLocal()  # expect: SL103
        try:
            response = await call_next(request)
        except Exception:
            request.state.db.rollback()
            request.state.db.close()
            raise
        request.state.db.commit()
        request.state.db.close()
        return response


# --- quiet: released on every path ---------------------------------------------------


@shop_docs.middleware("http")
async def db_session_middleware_docs(request: Request, call_next):
    response = Response("Internal server error", status_code=500)
    try:
        request.state.db = SessionLocal()
        response = await call_next(request)
    finally:
        request.state.db.close()
    return response


@admin_safe.middleware("http")
async def async_session_middleware_safe(request: Request, call_next):
    request.state.session = AsyncSessionLocal()
    try:
        return await call_next(request)
    finally:
        await request.state.session.aclose()


@legacy_safe.middleware("http")
async def pg_connection_middleware_safe(request: Request, call_next):
    request.state.conn = pg_pool.getconn()
    try:
        return await call_next(request)
    finally:
        pg_pool.putconn(request.state.conn)


@reports_safe.middleware("http")
async def asyncpg_connection_middleware_safe(request: Request, call_next):
    async with request.app.state.pool.acquire() as conn:
        request.state.conn = conn
        return await call_next(request)


@reports_safe.middleware("http")
async def pool_middleware(request: Request, call_next):
    # a pool, not a connection: nothing to release per request
    request.state.pool = request.app.state.pool
    return await call_next(request)


class SessionPerRequestSafe(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        request.state.db = SessionLocal()
        try:
            response = await call_next(request)
            request.state.db.commit()
            return response
        except Exception:
            request.state.db.rollback()
            raise
        finally:
            request.state.db.close()


backoffice.add_middleware(SessionPerRequest)
backoffice_safe.add_middleware(SessionPerRequestSafe)


# --- the endpoints that use what the middlewares stored ------------------------------


def read_items(request: Request):
    return request.state.db.execute(text("SELECT id, name FROM items")).mappings().all()


async def read_users(request: Request):
    return (await request.state.session.execute(text("SELECT id FROM users"))).scalars().all()


def read_accounts(request: Request):
    with request.state.conn.cursor() as cur:
        cur.execute("SELECT id, name FROM accounts")
        return cur.fetchall()


async def read_daily(request: Request):
    return await request.state.conn.fetch("SELECT day, total FROM daily_totals")


for sub in (shop, shop_docs, backoffice, backoffice_safe):
    sub.add_api_route("/items", read_items)
for sub in (admin, admin_safe):
    sub.add_api_route("/users", read_users)
for sub in (legacy, legacy_safe):
    sub.add_api_route("/accounts", read_accounts)
for sub in (reports, reports_safe):
    sub.add_api_route("/daily", read_daily)

for prefix, sub in {
    "/shop": shop, "/shop-docs": shop_docs, "/admin": admin, "/admin-safe": admin_safe,
    "/legacy": legacy, "/legacy-safe": legacy_safe, "/reports": reports,
    "/reports-safe": reports_safe, "/backoffice": backoffice, "/backoffice-safe": backoffice_safe,
}.items():
    app.mount(prefix, sub)
