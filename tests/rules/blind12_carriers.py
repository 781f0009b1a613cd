# Blind cases for issue 12, point 3: objects that carry a session.  A
# service or repository built around a session (`Service(db)`,
# `Repo(session=db)`, a dependency returning `Service(db)`, `self.session =
# db` in a method other than __init__, a service holding a repository
# holding the session) uses that session whenever its methods run, so
# gathering two of its coroutines is SL203 and handing it (or a bound method)
# to work nobody waits for is SL202.  A process-wide singleton that caches a
# session on itself and serves requests is SL201 where the session is stored.
# A result, prepared statement or server-side cursor is tied to the
# connection that produced it: used after that connection went back to the
# pool it is SL102, on the first use.
import asyncio
import os
import threading
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, Request
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 8, dsn=os.environ["DATABASE_DSN"])


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_DSN"])
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


def get_db():
    with SessionLocal() as db:
        yield db


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


# --- the carriers ---------------------------------------------------------------


class CustomerService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(self, customer_id: int):
        result = await self.session.execute(text("SELECT * FROM customers WHERE id = :id"), {"id": customer_id})
        return result.mappings().first()

    async def recompute_score(self, customer_id: int) -> None:
        await self.session.execute(text("UPDATE customers SET score = compute_score(id) WHERE id = :id"), {"id": customer_id})
        await self.session.commit()


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def total(self, customer_id: int, since: str | None = None) -> int:
        query = "SELECT coalesce(sum(total), 0) FROM orders WHERE customer_id = :c"
        params = {"c": customer_id}
        if since is not None:
            query += " AND created_at >= :since"
            params["since"] = since
        return (await self.session.execute(text(query), params)).scalar_one()


class OrderService:
    """Two deep: the service holds a repository, which holds the session."""

    def __init__(self, session: AsyncSession) -> None:
        self.orders = OrderRepository(session)

    async def value_this_year(self, customer_id: int) -> int:
        return await self.orders.total(customer_id, since="2024-01-01")

    async def lifetime_value(self, customer_id: int) -> int:
        return await self.orders.total(customer_id)


class AuditRepository:
    def __init__(self, *, session: AsyncSession) -> None:
        self.session = session

    async def record(self, action: str, order_id: int) -> None:
        await self.session.execute(text("INSERT INTO audit (action, order_id) VALUES (:a, :o)"), {"a": action, "o": order_id})
        await self.session.commit()


class CsvImporter:
    """Built first, given its session later."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.session: Session | None = None

    def attach(self, session: Session) -> None:
        self.session = session

    def run(self) -> None:
        with open(self.path) as f:
            for line in f:
                self.session.execute(text("INSERT INTO staging (line) VALUES (:l)"), {"l": line})
        self.session.commit()


class ReportService:
    """Quiet carrier: holds the factory, each call has its own session."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def count(self, table: str) -> int:
        async with self.factory() as session:
            return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


def get_customer_service(session: ADB) -> CustomerService:
    return CustomerService(session)


CustomerSvc = Annotated[CustomerService, Depends(get_customer_service)]


# --- Service(db) and two deep: concurrent use through the object ---------------


@app.get("/customers/compare")
async def compare(a: int, b: int, session: ADB):
    svc = CustomerService(session)
    first, second = await asyncio.gather(svc.profile(a), svc.profile(b))  # expect: SL203
    return {"a": first, "b": second}


@app.get("/customers/compare-sequential")
async def compare_sequential(a: int, b: int, session: ADB):
    svc = CustomerService(session)
    first = await svc.profile(a)
    second = await svc.profile(b)
    return {"a": first, "b": second}


@app.get("/customers/{customer_id}/value")
async def customer_value(customer_id: int, session: ADB):
    svc = OrderService(session)
    this_year, all_time = await asyncio.gather(svc.value_this_year(customer_id), svc.lifetime_value(customer_id))  # expect: SL203
    return {"this_year": this_year, "all_time": all_time}


@app.get("/customers/{customer_id}/value-sequential")
async def customer_value_sequential(customer_id: int, session: ADB):
    svc = OrderService(session)
    this_year = await svc.value_this_year(customer_id)
    all_time = await svc.lifetime_value(customer_id)
    return {"this_year": this_year, "all_time": all_time}


@app.get("/counts")
async def counts():
    svc = ReportService(AsyncSessionLocal)
    orders, customers = await asyncio.gather(svc.count("orders"), svc.count("customers"))
    return {"orders": orders, "customers": customers}


# --- a dependency returning Service(db); Repo(session=db) ------------------------


@app.post("/customers/{customer_id}/rescore")
async def rescore(customer_id: int, svc: CustomerSvc):
    asyncio.create_task(svc.recompute_score(customer_id))  # expect: SL202
    return {"queued": customer_id}


@app.post("/customers/{customer_id}/rescore-now")
async def rescore_now(customer_id: int, svc: CustomerSvc):
    await svc.recompute_score(customer_id)
    return {"done": customer_id}


@app.get("/orders/{order_id}/view")
async def view_order(order_id: int, session: ADB):
    repo = AuditRepository(session=session)
    asyncio.ensure_future(repo.record("viewed", order_id))  # expect: SL202
    return {"order": order_id}


@app.get("/orders/{order_id}/view-logged")
async def view_order_logged(order_id: int, session: ADB):
    repo = AuditRepository(session=session)
    await repo.record("viewed", order_id)
    return {"order": order_id}


# --- self.session = db outside __init__ ------------------------------------------


@app.post("/imports")
def start_import(path: str, db: DB):
    importer = CsvImporter(path)
    importer.attach(db)
    threading.Thread(target=importer.run, daemon=True).start()  # expect: SL202
    return {"started": path}


@app.post("/imports/blocking")
def run_import(path: str, db: DB):
    importer = CsvImporter(path)
    importer.attach(db)
    worker = threading.Thread(target=importer.run)
    worker.start()
    worker.join()
    return {"imported": path}


# --- a process-wide singleton caching a session: SL201 ---------------------------


class SettingsStore:
    def __init__(self) -> None:
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = SessionLocal()
        return self._session

    def get(self, key: str):
        return self.session.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar_one_or_none()


settings_store = SettingsStore()  # expect: SL201


def get_settings_store() -> SettingsStore:
    return settings_store


@app.get("/settings/{key}")
def read_setting(key: str, store: SettingsStore = Depends(get_settings_store)):
    return {"value": store.get(key)}


class FeatureFlags:
    """Quiet singleton: caches the factory and the values, never a session."""

    def __init__(self, factory: sessionmaker) -> None:
        self._factory = factory
        self._cache: dict[str, bool] = {}

    def enabled(self, name: str) -> bool:
        if name not in self._cache:
            with self._factory() as session:
                self._cache[name] = bool(
                    session.execute(text("SELECT enabled FROM flags WHERE name = :n"), {"n": name}).scalar()
                )
        return self._cache[name]


flags = FeatureFlags(SessionLocal)


@app.get("/flags/{name}")
def read_flag(name: str):
    return {"enabled": flags.enabled(name)}


# --- results and cursors tied to their connection: SL102 after release --------


@app.get("/exports/orders")
def export_orders():
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(text("SELECT id, total FROM orders"))
    return [dict(row._mapping) for row in result]  # expect: SL102


@app.get("/exports/customers")
def export_customers():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, email FROM customers")).mappings().all()
    return [dict(r) for r in rows]


@app.get("/events/recent")
async def recent_events(request: Request, limit: int = 50):
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        stmt = await conn.prepare("SELECT id, kind FROM events ORDER BY id DESC LIMIT $1")
    return [dict(r) for r in await stmt.fetch(limit)]  # expect: SL102


@app.get("/events/oldest")
async def oldest_events(request: Request, limit: int = 50):
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        stmt = await conn.prepare("SELECT id, kind FROM events ORDER BY id LIMIT $1")
        rows = await stmt.fetch(limit)
    return [dict(r) for r in rows]


def ledger_page(account_id: int) -> list:
    conn = pg_pool.getconn()
    try:
        cur = conn.cursor(name="ledger_page")
        cur.execute("SELECT * FROM ledger WHERE account_id = %s ORDER BY id", (account_id,))
    finally:
        pg_pool.putconn(conn)
    return cur.fetchmany(100)  # expect: SL102


def ledger_head(account_id: int) -> list:
    conn = pg_pool.getconn()
    try:
        with conn.cursor(name="ledger_head") as cur:
            cur.execute("SELECT * FROM ledger WHERE account_id = %s ORDER BY id", (account_id,))
            return cur.fetchmany(100)
    finally:
        pg_pool.putconn(conn)
