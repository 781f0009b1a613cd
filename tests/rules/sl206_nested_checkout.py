# SL206: a second connection taken from a pool while the same code still
# holds one of it: a session that queried and has not committed, rolled
# back or closed since, or a connection checked out of an engine or a pool.
# Each run needs two connections at once; with as many runs in flight as
# the pool has connections, every one waits for a second that none gives
# back, and all fail at the pool's timeout.
# Convention: the finding is on what takes the second connection (the call
# of a helper that opens its own, the second acquisition or its first query).
import asyncpg
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

from app.models import ApiKey, User

app = FastAPI()
engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
Other = sessionmaker(engine)  # another maker, the same pool
reports_engine = create_engine("postgresql+psycopg2://app@reports/app")
ReportsSession = sessionmaker(bind=reports_engine)
unpooled = create_engine("postgresql+psycopg2://app@db/app", poolclass=NullPool)
Unpooled = sessionmaker(bind=unpooled)
Registry = scoped_session(SessionLocal)

async_engine = create_async_engine("postgresql+asyncpg://app@db/app")
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_user(user_id: int):
    async with AsyncSessionLocal() as session:
        return await session.get(User, user_id)


def audit(event: str):
    with Other() as s:
        s.execute(text("INSERT INTO audit (event) VALUES (:e)"), {"e": event})
        s.commit()


def audit_later(event: str):
    audit(event)


def report_row(event: str):
    with ReportsSession() as s:
        s.execute(text("INSERT INTO report (event) VALUES (:e)"), {"e": event})
        s.commit()


def lookup(db: Session, key: str):
    return db.scalar(select(ApiKey).where(ApiKey.token == key))


# Bad: authentication looks the key up in its session, then, with that
# session still open, calls a helper that opens a second one.
async def get_by_token(token: str):
    async with AsyncSessionLocal() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.token == token))
        if key is None:
            return None
        return await get_user(key.user_id)  # expect: SL206 "checked out on line 69"


# Bad: the request's session (its dependency's, the same pool) has queried;
# the helper two calls down opens its own from another maker of the engine.
@app.post("/items/{item_id}")
def touch_item(item_id: int, db: Session = Depends(get_db)):
    db.execute(text("UPDATE item SET seen = now() WHERE id = :i"), {"i": item_id})
    audit_later("touched")  # expect: SL206
    db.commit()


# Bad: a second connection of the engine inside the first one's block.
def copy_rows():
    with engine.connect() as src:
        rows = src.execute(text("SELECT id FROM item")).all()
        with engine.connect() as dst:  # expect: SL206
            for row in rows:
                dst.execute(text("INSERT INTO item_copy (id) VALUES (:i)"), {"i": row.id})
            dst.commit()


# Bad: two sessions of the same pool, the first still in its transaction.
def two_sessions(item_id: int):
    first = SessionLocal()
    second = SessionLocal()
    try:
        first.execute(text("SELECT 1 FROM item WHERE id = :i FOR UPDATE"), {"i": item_id})
        second.execute(text("UPDATE stats SET n = n + 1"))  # expect: SL206
        second.commit()
        first.commit()
    finally:
        second.close()
        first.close()


# Bad: a helper handed the caller's session (made from the same maker)
# writes through it, then audits through a session of its own.
def record_visit(db: Session, item_id: int):
    db.execute(text("UPDATE item SET visits = visits + 1 WHERE id = :i"), {"i": item_id})
    audit("visit")  # expect: SL206


@app.post("/items/{item_id}/visit")
def visit(item_id: int):
    with SessionLocal() as db:
        record_visit(db, item_id)
        db.commit()


# Bad: an asyncpg pool, acquired twice.
pg_pool = None


async def start():
    global pg_pool
    pg_pool = await asyncpg.create_pool("postgresql://app@db/app")


async def pg_copy_global():
    async with pg_pool.acquire() as a:
        await a.execute("SELECT 1")
        async with pg_pool.acquire() as b:  # expect: SL206
            await b.execute("SELECT 1")


# Quiet: the first session committed (its connection went back) before the
# helper takes one.
@app.post("/items/{item_id}/ok")
def touch_item_ok(item_id: int, db: Session = Depends(get_db)):
    db.execute(text("UPDATE item SET seen = now() WHERE id = :i"), {"i": item_id})
    db.commit()
    audit_later("touched")


# Quiet: the first block ended before.
async def get_by_token_ok(token: str):
    async with AsyncSessionLocal() as session:
        key = await session.scalar(select(ApiKey).where(ApiKey.token == token))
    if key is None:
        return None
    return await get_user(key.user_id)


# Quiet: a session made but not used yet holds no connection.
def not_yet_used():
    with SessionLocal() as db:
        audit("start")
        db.execute(text("SELECT 1"))


# Quiet: another engine's pool.
def other_database(item_id: int, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1"))
    report_row("seen")


# Quiet: an engine without a pool.
def no_pool():
    with Unpooled() as a:
        a.execute(text("SELECT 1"))
        with Unpooled() as b:
            b.execute(text("SELECT 1"))


# Quiet: the registry gives the thread's one session back, not a second.
def registry_twice():
    a = Registry()
    a.execute(text("SELECT 1"))
    b = Registry()
    b.execute(text("SELECT 1"))


# Quiet: the helper is handed the session and uses it.
def same_session(key: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1"))
    return lookup(db, key)


# Quiet: the first connection closed before the second.
def sequential():
    conn = engine.connect()
    try:
        conn.execute(text("SELECT 1"))
    finally:
        conn.close()
    with engine.connect() as again:
        again.execute(text("SELECT 1"))


# Quiet: start-up code runs once, before any request: seeding through a
# second session while the first holds its connection cannot deadlock.
from contextlib import asynccontextmanager  # noqa: E402


async def seed_defaults():
    async with AsyncSessionLocal() as admin:
        await admin.execute(text("SELECT 1 FROM settings"))
        await get_user(1)


@asynccontextmanager
async def lifespan(application: FastAPI):
    await seed_defaults()
    yield


startup_app = FastAPI(lifespan=lifespan)


# A session lent by a context manager of the project is a connection the
# function takes for its run: a helper that enters one is a second
# checkout for a caller that still holds the pool's first.
@asynccontextmanager
async def session_ctx():
    async with AsyncSessionLocal() as session:
        yield session


async def mark_file(file_id: int) -> None:
    async with session_ctx() as s:
        await s.execute(text("UPDATE files SET checked = true WHERE id = :i"), {"i": file_id})
        await s.commit()


async def check_files() -> list:
    async with AsyncSessionLocal() as session:
        rows = (await session.execute(text("SELECT id FROM files"))).all()
        for row in rows:
            await mark_file(row[0])  # expect: SL206
        return rows


async def check_files_ok() -> list:
    # quiet: the first session's transaction ends before the helper runs
    async with AsyncSessionLocal() as session:
        rows = (await session.execute(text("SELECT id FROM files"))).all()
        await session.commit()
        for row in rows:
            await mark_file(row[0])
        return rows


# A registry object that keeps its maker on self (made lazily, with an
# engine of its own) is one pool: sessions of its context manager method
# are connections of that pool, whoever enters it.
class DatabaseRegistry:
    def __init__(self) -> None:
        self._maker = None

    def initialize(self) -> None:
        if self._maker is None:
            self._maker = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))

    @asynccontextmanager
    async def session(self):
        self.initialize()
        async with self._maker() as session:
            yield session


db_registry = DatabaseRegistry()


async def touch_file(file_id: int) -> None:
    async with db_registry.session() as s:
        await s.execute(text("UPDATE files SET touched = now() WHERE id = :i"), {"i": file_id})
        await s.commit()


async def touch_files() -> None:
    async with db_registry.session() as session:
        rows = (await session.execute(text("SELECT id FROM files"))).all()
        for row in rows:
            await touch_file(row[0])  # expect: SL206


async def touch_files_ok() -> None:
    # quiet: read, end the transaction, then touch
    async with db_registry.session() as session:
        rows = (await session.execute(text("SELECT id FROM files"))).all()
        await session.rollback()
    for row in rows:
        await touch_file(row[0])


import asyncio  # noqa: E402


def run_touch() -> None:
    # quiet for SL209: the registry's engine is made by its instance, not
    # shared by the module across runs
    asyncio.run(touch_files_ok())


# A coroutine stored for later runs where it is awaited: the second
# checkout is there, not where the coroutine was made.
async def notify_and_record(job_id: int) -> None:
    async with AsyncSessionLocal() as s:
        await s.execute(text("UPDATE jobs SET notified = true WHERE id = :i"), {"i": job_id})
        await s.commit()


async def finish_job(job_id: int) -> None:
    callback = None
    async with AsyncSessionLocal() as session:
        job = (await session.execute(text("SELECT callback FROM jobs WHERE id = :i"), {"i": job_id})).first()
        if job and job[0]:
            callback = notify_and_record(job_id)
        await session.execute(text("UPDATE jobs SET done = true WHERE id = :i"), {"i": job_id})
        if callback:
            await callback  # expect: SL206


async def finish_job_ok(job_id: int) -> None:
    # quiet: the stored coroutine is awaited after the session's block
    callback = None
    async with AsyncSessionLocal() as session:
        job = (await session.execute(text("SELECT callback FROM jobs WHERE id = :i"), {"i": job_id})).first()
        if job and job[0]:
            callback = notify_and_record(job_id)
        await session.commit()
    if callback:
        await callback
