# Blind cases for issue 12, point 2: calls as they are written.  Helpers
# that release, acquire or hand over a session are called with keyword
# arguments, rely on defaults, forward *args/**kwargs, or are methods called
# through the instance (the receiver is the first parameter).  A helper that
# hands its `db` parameter to add_task, an executor or create_task is
# reported on that hand-off, inside the helper, when some caller gives it a
# session that is released before the work runs.  No FastAPI version here:
# the newest behaviour, where a yield dependency's exit code runs after the
# background tasks, so handing a *dependency's* session to add_task is fine
# while handing a session the endpoint's own `with` closes is not.
import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://shop@localhost/shop")
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine("postgresql+asyncpg://shop@localhost/shop")
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 10, dsn="dbname=shop user=shop host=localhost")
executor = ThreadPoolExecutor(max_workers=4)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


# --- a releasing helper called by keyword -------------------------------------


def finish(session: Session | None = None, *, commit: bool = False) -> None:
    """Commit if asked, then close; tolerates None."""
    if session is None:
        return
    try:
        if commit:
            session.commit()
    finally:
        session.close()


def import_prices(rows: list[dict]) -> None:
    db = SessionLocal()
    try:
        for row in rows:
            db.execute(text("UPDATE products SET price = :price WHERE sku = :sku"), row)
        db.commit()
    finally:
        finish(session=db)


def import_stock(rows: list[dict]) -> None:
    db = SessionLocal()  # expect: SL103
    for row in rows:
        db.execute(text("UPDATE products SET stock = :stock WHERE sku = :sku"), row)
    finish(commit=True, session=db)


# --- a releasing helper whose pool is a default argument ----------------------


def put_back(conn, pool=pg_pool, close=False) -> None:
    pool.putconn(conn, close=close)


def mark_shipped(order_id: int) -> None:
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE orders SET shipped = true WHERE id = %s", (order_id,))
        conn.commit()
        put_back(conn)
    finally:
        put_back(conn=conn)  # expect: SL101


def mark_delivered(order_id: int) -> None:
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE orders SET delivered = true WHERE id = %s", (order_id,))
        conn.commit()
    finally:
        put_back(conn=conn)


# --- a factory that arrives as a default argument --------------------------------


def close_month(month: str, session_factory=SessionLocal) -> None:
    db = session_factory()  # expect: SL103
    db.execute(text("INSERT INTO closed_months (month) VALUES (:m)"), {"m": month})
    db.execute(text("UPDATE invoices SET locked = true WHERE to_char(issued_at, 'YYYY-MM') = :m"), {"m": month})
    db.commit()
    db.close()


def reopen_month(month: str, session_factory=SessionLocal) -> None:
    with session_factory() as db:
        db.execute(text("DELETE FROM closed_months WHERE month = :m"), {"m": month})
        db.commit()


# --- *args / **kwargs -------------------------------------------------------------


def make_session(*args, **kwargs) -> Session:
    return SessionLocal(*args, **kwargs)


def run_and_release(conn, fn, *args, **kwargs):
    """Run fn(conn, ...) and give the connection back to the pool."""
    try:
        return fn(conn, *args, **kwargs)
    finally:
        pg_pool.putconn(conn)


def fetch_total(conn, order_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT total FROM orders WHERE id = %s", (order_id,))
        return cur.fetchone()[0]


def order_total(order_id: int) -> int:
    conn = pg_pool.getconn()
    return run_and_release(conn, fetch_total, order_id=order_id)


def order_total_twice_returned(order_id: int) -> int:
    conn = pg_pool.getconn()
    total = run_and_release(conn, fetch_total, order_id)
    pg_pool.putconn(conn)  # expect: SL101
    return total


def recount_reviews(product_id: int) -> None:
    db = make_session(autoflush=False)  # expect: SL103
    db.execute(text("UPDATE products SET reviews = (SELECT count(*) FROM reviews WHERE product_id = :p) WHERE id = :p"), {"p": product_id})
    db.commit()
    db.close()


def recount_ratings(product_id: int) -> None:
    with make_session(expire_on_commit=False) as db:
        db.execute(text("UPDATE products SET rating = (SELECT avg(stars) FROM reviews WHERE product_id = :p) WHERE id = :p"), {"p": product_id})
        db.commit()


# --- bound methods: the receiver is `self`, the arguments shift by one --------


class OrderStore:
    def __init__(self, pool: ThreadedConnectionPool) -> None:
        self.pool = pool

    def release(self, conn, *, discard: bool = False) -> None:
        self.pool.putconn(conn, close=discard)

    def status(self, order_id: int) -> str:
        conn = self.pool.getconn()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT status FROM orders WHERE id = %s", (order_id,))
                return cur.fetchone()[0]
        finally:
            self.release(conn)

    def cancel(self, order_id: int) -> None:
        conn = self.pool.getconn()
        try:
            with conn.cursor() as cur:
                cur.execute("UPDATE orders SET status = 'cancelled' WHERE id = %s", (order_id,))
            conn.commit()
            self.release(conn)
        finally:
            self.release(conn, discard=False)  # expect: SL101


store = OrderStore(pg_pool)


# --- helpers that hand their `db` parameter over ---------------------------------


def send_receipt(db: Session, order_id: int) -> None:
    db.execute(text("INSERT INTO outbox (kind, order_id) VALUES ('receipt', :id)"), {"id": order_id})
    db.commit()


def send_receipt_by_id(order_id: int) -> None:
    with SessionLocal() as db:
        send_receipt(db, order_id)


def queue_receipt(tasks: BackgroundTasks, db: Session, order_id: int) -> None:
    tasks.add_task(send_receipt, db, order_id)  # expect: SL202


@app.post("/orders/{order_id}/pay")
def pay(order_id: int, tasks: BackgroundTasks):
    with SessionLocal() as db:
        db.execute(text("UPDATE orders SET paid = true WHERE id = :id"), {"id": order_id})
        db.commit()
        queue_receipt(tasks, db, order_id)
    return {"paid": order_id}


@app.post("/orders/{order_id}/refund")
def refund(order_id: int, tasks: BackgroundTasks):
    with SessionLocal() as db:
        db.execute(text("UPDATE orders SET refunded = true WHERE id = :id"), {"id": order_id})
        db.commit()
        queue_receipt(order_id=order_id, db=db, tasks=tasks)
    return {"refunded": order_id}


def queue_invoice(tasks: BackgroundTasks, db: Session, order_id: int) -> None:
    # quiet: its only caller lends it get_db's session, which the newest
    # FastAPI closes after the background tasks have run
    tasks.add_task(send_receipt, db, order_id)


@app.post("/orders/{order_id}/invoice")
def invoice(order_id: int, tasks: BackgroundTasks, db: DB):
    db.execute(text("UPDATE orders SET invoiced = true WHERE id = :id"), {"id": order_id})
    db.commit()
    queue_invoice(tasks, db, order_id)
    return {"invoiced": order_id}


def defer(tasks: BackgroundTasks, fn, *args, **kwargs) -> None:
    tasks.add_task(fn, *args, **kwargs)  # expect: SL202


@app.post("/orders/{order_id}/ship")
def ship(order_id: int, tasks: BackgroundTasks):
    with SessionLocal() as db:
        db.execute(text("UPDATE orders SET shipped = true WHERE id = :id"), {"id": order_id})
        db.commit()
        defer(tasks, send_receipt, db=db, order_id=order_id)
    return {"shipped": order_id}


@app.post("/orders/{order_id}/remind")
def remind(order_id: int, tasks: BackgroundTasks):
    defer(tasks, send_receipt_by_id, order_id)
    return {"reminded": order_id}


def build_report(db: Session, report_id: int) -> None:
    db.execute(text("SELECT build_report(:id)"), {"id": report_id})
    db.commit()


def build_in_background(db: Session, report_id: int) -> None:
    executor.submit(build_report, db, report_id)  # expect: SL202


def build_and_wait(db: Session, report_id: int) -> None:
    executor.submit(build_report, db, report_id).result()


@app.post("/reports/{report_id}/build")
def build(report_id: int, db: DB):
    build_in_background(db=db, report_id=report_id)
    return {"building": report_id}


@app.post("/reports/{report_id}/build-now")
def build_now(report_id: int, db: DB):
    build_and_wait(db, report_id)
    return {"built": report_id}


async def write_audit(session: AsyncSession, action: str) -> None:
    await session.execute(text("INSERT INTO audit (action) VALUES (:a)"), {"a": action})
    await session.commit()


async def write_audit_own(action: str) -> None:
    async with AsyncSessionLocal() as session:
        await write_audit(session, action)


def fire_audit(*, session: AsyncSession, action: str) -> None:
    asyncio.create_task(write_audit(session, action))  # expect: SL202


def fire_audit_own(action: str) -> None:
    asyncio.create_task(write_audit_own(action))


@app.delete("/orders/{order_id}")
async def delete_order(order_id: int, session: ADB):
    await session.execute(text("DELETE FROM orders WHERE id = :id"), {"id": order_id})
    await session.commit()
    fire_audit(action=f"delete order {order_id}", session=session)
    fire_audit_own(f"deleted order {order_id}")
    return {"deleted": order_id}
