# A registry keyed by current_task that a manager object keeps: the manager
# is the process's one (an @lru_cache / @cache getter returns it, or a
# module-level name holds it), so its attribute is that one registry however
# it is reached. A BaseHTTPMiddleware's dispatch is a task of its own
# (call_next runs the application in another): it must remove its key.
import asyncio
import functools
import threading
from functools import cache, lru_cache
from typing import cast

from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_scoped_session,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from starlette.middleware.base import BaseHTTPMiddleware

shop = FastAPI()


class Warehouse:
    """Built once at import time; its registries hand out one session per task."""

    def __init__(self, url):
        self.engine = create_async_engine(url)
        self.stock = async_scoped_session(async_sessionmaker(self.engine), scopefunc=asyncio.current_task)


warehouse = Warehouse("postgresql+asyncpg://shop@db/stock")


class Billing:
    def __init__(self):
        self.primary = None
        self.replica = None

    def connect(self, url, replica_url=None):
        self.primary = self._registry(url)
        self.replica = self._registry(replica_url) if replica_url else self.primary

    @staticmethod
    def _registry(url):
        maker = async_sessionmaker(create_async_engine(url), expire_on_commit=False)
        return async_scoped_session(maker, scopefunc=asyncio.current_task)


@lru_cache(maxsize=1)
def billing() -> Billing:
    b = Billing()
    b.connect("postgresql+asyncpg://shop@db/billing")
    return b


class Ledger:
    def __init__(self):
        self.entries, self.engine = self.open()

    def open(self):
        engine = create_async_engine("postgresql+asyncpg://shop@db/ledger")
        return async_scoped_session(async_sessionmaker(engine), asyncio.current_task), engine


@cache
def ledger():
    return Ledger()


@functools.lru_cache
def audit_log():
    return Ledger()


class Reports:
    def __init__(self):
        self.sessions = async_scoped_session(
            async_sessionmaker(create_async_engine("postgresql+asyncpg://shop@db/reports")),
            scopefunc=asyncio.current_task,
        )


def reports():  # not cached: a new manager, and a new registry, per call
    return Reports()


class Catalog:
    """Thread-keyed (the default scopefunc), for the sync admin views."""

    def __init__(self):
        self.sessions = scoped_session(sessionmaker(create_engine("postgresql://shop@db/catalog")))


@lru_cache
def catalog():
    return Catalog()


# ---------------------------------------------------------------- bad


class StockMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        await warehouse.stock.execute(text("select 1"))  # expect: SL103 "a close() leaves the entry"
        try:
            return await call_next(request)
        finally:
            await warehouse.stock.close()


class BillingMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        db = cast(
            AsyncSession,
            billing().primary if request.method != "GET" else billing().replica,
        )
        request.state.billing = db
        try:
            response = await call_next(request)
            await db.commit()  # expect: SL103 "runs in a task the application does not share"
            return response
        except Exception:
            await db.rollback()
            raise
        finally:
            await db.close()


class LedgerMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        book = ledger()
        await book.entries.execute(text("insert into visit default values"))  # expect: SL103 "outside a finally"
        response = await call_next(request)
        await book.entries.remove()
        return response


class BillingRetryMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        db = billing().primary
        await db.execute(text("select 1"))  # expect: SL103 "outside a finally"
        try:
            response = await call_next(request)
        except Exception:  # a cancelled request (CancelledError) passes this by
            await db.remove()
            raise
        await db.remove()
        return response


@shop.middleware("http")
async def audit_requests(request: Request, call_next):
    log = audit_log().entries
    await log.execute(text("insert into audit default values"))  # expect: SL103 "never calls `log.remove()`"
    return await call_next(request)


# ---------------------------------------------------------------- quiet


class BillingCleanMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        db = billing().replica
        try:
            await db.execute(text("select 1"))
            return await call_next(request)
        finally:
            await db.remove()


class LedgerScopeMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        entries = ledger().entries
        try:
            await entries.execute(text("select 1"))
            return await call_next(request)
        except Exception:
            await entries.rollback()
            raise
        finally:
            await entries.remove()


class BillingEveryWayMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        db = billing().replica
        try:
            await db.execute(text("select 1"))
            response = await call_next(request)
        except BaseException:
            await db.remove()
            raise
        await db.remove()
        return response


@shop.middleware("http")
async def ledger_every_way(request: Request, call_next):
    entries = audit_log().entries
    if request.method == "POST":
        try:
            await entries.execute(text("insert into visit default values"))
            response = await call_next(request)
            await entries.remove()
        except:  # noqa: E722
            await entries.remove()
            raise
        return response
    return await call_next(request)


class ReportsMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):
        # a registry made for this call alone: it goes with the manager
        await reports().sessions.execute(text("select 1"))
        return await call_next(request)


class WarehouseAsgi:
    """A pure ASGI middleware runs in the request's own task: the dependency's remove() is its key's."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            await warehouse.stock.execute(text("select 1"))
        await self.app(scope, receive, send)


async def billing_session():
    db = billing().primary
    try:
        yield db
    finally:
        await db.remove()


def admin_catalog():
    # thread-keyed: the request's worker thread, removed where the work ends
    db = catalog().sessions
    try:
        return db.execute(text("select name from product")).all()
    finally:
        db.remove()


def refresh_catalog():
    sessions = catalog().sessions
    sessions.execute(text("refresh materialized view product_search"))
    sessions.commit()


def nightly_refresh():
    try:
        refresh_catalog()
    finally:
        catalog().sessions.remove()


threading.Thread(target=nightly_refresh).start()

shop.add_middleware(StockMiddleware)
shop.add_middleware(BillingMiddleware)
shop.add_middleware(LedgerMiddleware)
shop.add_middleware(BillingCleanMiddleware)
shop.add_middleware(LedgerScopeMiddleware)
shop.add_middleware(ReportsMiddleware)
shop.add_middleware(BillingRetryMiddleware)
shop.add_middleware(BillingEveryWayMiddleware)
app = WarehouseAsgi(shop)


@shop.get("/invoices")
async def invoices(db=Depends(billing_session)):
    return (await db.execute(text("select id from invoice"))).all()


@shop.get("/stock")
async def stock():
    try:
        return (await warehouse.stock.execute(text("select sku from stock"))).all()
    finally:
        await warehouse.stock.remove()


@shop.get("/products")
def products(db: Session = Depends(admin_catalog)):
    return db
