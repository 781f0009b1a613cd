# Blind cases for issue 12, point 6: sharing, wherever the code lives.
# A module-level `Session(engine)`, a default argument `db: Session =
# SessionLocal()` and an `@lru_cache` function returning a session are one
# session for every caller of this module, whether or not an endpoint calls
# them today (this is a project's `crud` module: helpers for the web app and
# its workers).  SL201 where the shared session is made.
#
# A `scoped_session` registry used from a *sync* endpoint or dependency is
# SL201 too: FastAPI runs sync steps on any threadpool thread, so a session
# never removed goes to later requests on that thread, and a remove() in the
# teardown may run on another thread than the setup.  The finding is on the
# registry's first call in that function.
#
# Quiet: engines, sessionmakers and settings made once (shared by design),
# a default that is a factory or None, the registry used by a worker thread
# that removes it, and async_scoped_session scoped to the current task.
import os
from asyncio import current_task
from functools import lru_cache

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()

# --- module-level Session(engine), read by a helper no endpoint calls yet ------

reporting_session = Session(engine)  # expect: SL201


def monthly_revenue(month: str) -> int:
    return reporting_session.execute(
        text("SELECT coalesce(sum(total), 0) FROM orders WHERE to_char(created_at, 'YYYY-MM') = :m"), {"m": month}
    ).scalar_one()


# --- a default argument holding a session ------------------------------------------


def find_user(email: str, db: Session = SessionLocal()):  # expect: SL201
    return db.execute(text("SELECT id, email FROM users WHERE email = :e"), {"e": email}).first()


def find_user_fresh(email: str, session_factory: sessionmaker = SessionLocal):
    with session_factory() as db:
        return db.execute(text("SELECT id, email FROM users WHERE email = :e"), {"e": email}).first()


def find_user_in(email: str, db: Session | None = None):
    if db is None:
        with SessionLocal() as own:
            return find_user_in(email, own)
    return db.execute(text("SELECT id, email FROM users WHERE email = :e"), {"e": email}).first()


# --- an lru_cache result holding a session -------------------------------------------


@lru_cache
def reporting_db() -> Session:
    return SessionLocal()  # expect: SL201


def top_products(limit: int = 10) -> list:
    return reporting_db().execute(text("SELECT sku FROM products ORDER BY sold DESC LIMIT :l"), {"l": limit}).all()


@lru_cache
def reporting_engine():
    return create_engine(os.environ["REPORTING_URL"], pool_size=2)


@lru_cache
def reporting_sessions() -> sessionmaker:
    return sessionmaker(bind=reporting_engine())


def top_customers(limit: int = 10) -> list:
    with reporting_sessions()() as db:
        return db.execute(text("SELECT id FROM customers ORDER BY spent DESC LIMIT :l"), {"l": limit}).all()


@lru_cache
def get_settings() -> dict:
    return {"page_size": int(os.environ.get("PAGE_SIZE", "50"))}


# --- scoped_session from sync endpoints and dependencies ------------------------------

db_session = scoped_session(SessionLocal)


@app.get("/products")
def list_products():
    return db_session.execute(text("SELECT id, name FROM products")).mappings().all()  # expect: SL201


def get_scoped_db():
    db = db_session()  # expect: SL201
    try:
        yield db
    finally:
        db_session.remove()


@app.get("/products/{product_id}")
def read_product(product_id: int, db: Session = Depends(get_scoped_db)):
    return db.execute(text("SELECT * FROM products WHERE id = :id"), {"id": product_id}).mappings().first()


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/categories")
def list_categories(db: Session = Depends(get_db)):
    return db.execute(text("SELECT id, name FROM categories")).mappings().all()


def purge_expired_carts() -> None:
    # quiet: run by the scheduler's own worker thread, which removes its
    # session when the job ends
    try:
        db_session.execute(text("DELETE FROM carts WHERE expires_at < now()"))
        db_session.commit()
    finally:
        db_session.remove()


# --- async_scoped_session scoped to the current task -----------------------------------

task_session = async_scoped_session(AsyncSessionLocal, scopefunc=current_task)


async def get_task_session():
    try:
        yield task_session()
    finally:
        await task_session.remove()


@app.get("/brands")
async def list_brands(session=Depends(get_task_session)):
    return (await session.execute(text("SELECT id, name FROM brands"))).mappings().all()
