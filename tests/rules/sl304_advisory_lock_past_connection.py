# SL304 advisory-lock-past-connection: a session-level advisory lock
# (pg_advisory_lock, pg_try_advisory_lock, their _shared forms) belongs to the
# database connection that took it.  A Session gives its connection back to
# the pool at commit, rollback and close, a Connection at close; the pool's
# reset is a ROLLBACK, which keeps the lock.  The lock then stays taken by an
# idle pooled connection, and an unlock through the same Session runs on the
# connection it checks out next, where it unlocks nothing.
# Convention: the finding is on the execute() that takes the lock.
import asyncio

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5)
AsyncSessionLocal = async_sessionmaker(aengine, expire_on_commit=False)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


# Bad: the commit in the try hands the connection back before the finally unlocks.
def reindex(dataset_id: int) -> None:
    with SessionLocal() as session:
        session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": dataset_id})  # expect: SL304 "before the unlock on line 36"
        try:
            session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
            session.commit()
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": dataset_id})


# Bad: async, the lock written with func, committed twice before the unlock.
async def rebuild(dataset_id: int, bodies: list) -> int:
    async with AsyncSessionLocal() as session:
        got = (await session.execute(select(func.pg_try_advisory_lock(dataset_id)))).scalar()  # expect: SL304
        if not got:
            return 0
        try:
            await session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
            await session.commit()
            return len(bodies)
        finally:
            await session.execute(select(func.pg_advisory_unlock(dataset_id)))


# Bad: a request's lock, never unlocked, committed with the connection.
@app.post("/jobs/{job_id}/claim")
def claim(job_id: int, db: Session = Depends(get_db)):
    db.execute(text("SELECT pg_advisory_lock(:j)"), {"j": job_id})  # expect: SL304 "with no unlock before"
    db.execute(text("UPDATE jobs SET owner = 'me' WHERE id = :j"), {"j": job_id})
    db.commit()


# Bad: a Connection closed while it holds the lock.
def migrate_once() -> None:
    conn = engine.connect()
    try:
        conn.execute(text("SELECT pg_advisory_lock(42)"))  # expect: SL304 "it is closed"
        conn.execute(text("CREATE TABLE IF NOT EXISTS marks (id int)"))
        conn.commit()
    finally:
        conn.close()


# Quiet: the transaction-level lock ends with the transaction.
def reindex_xact(dataset_id: int) -> None:
    with SessionLocal() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": dataset_id})
        session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
        session.commit()


# Quiet: unlocked before the commit.
def reindex_unlock_first(dataset_id: int) -> None:
    with SessionLocal() as session:
        session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": dataset_id})
        try:
            session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": dataset_id})
        session.commit()


# Quiet: a Connection keeps its connection across commits; unlocked before the block closes it.
def migrate() -> None:
    with engine.connect() as conn:
        conn.execute(select(func.pg_advisory_lock(7)))
        try:
            conn.execute(text("CREATE TABLE IF NOT EXISTS marks (id int)"))
            conn.commit()
        finally:
            conn.execute(select(func.pg_advisory_unlock(7)))


# Quiet: a lock context manager that takes and frees the lock on what it is
# given; what the caller does in between is the caller's.
class Lock:
    def __init__(self, session: Session, key: int):
        self._session = session
        self._key = key

    def acquire(self) -> bool:
        return bool(self._session.execute(select(func.pg_try_advisory_lock(self._key))).scalar())

    def release(self) -> None:
        self._session.execute(select(func.pg_advisory_unlock(self._key)))
        self._session.close()


# Quiet: a lock on a psycopg-style raw string is not a SQLAlchemy session.
async def tick(pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(1)")
        await asyncio.sleep(0)
        await conn.execute("SELECT pg_advisory_unlock(1)")


# Through a helper: a context manager that takes the lock on what it is
# handed and frees it when the caller's `with` block exits.
from contextlib import asynccontextmanager, contextmanager


@contextmanager
def advisory_lock_ctx(bind, key: int):
    bind.execute(select(func.pg_advisory_lock(key)))
    try:
        yield
    finally:
        _release(bind, key)


def _release(bind, key: int) -> None:
    bind.execute(select(func.pg_advisory_unlock(key)))


def take_lock(db: Session, key: int) -> None:
    db.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})


# Bad: the caller commits inside the block; the exit's unlock runs on another connection.
def init_server() -> None:
    with SessionLocal() as session:
        with advisory_lock_ctx(session, 99):  # expect: SL304 "when the `with` block of line 150 exits"
            session.execute(text("INSERT INTO marks VALUES (1)"))
            session.commit()


# Bad: a helper leaves the lock taken and the caller commits.
@app.post("/imports/{key}")
def start_import(key: int, db: Session = Depends(get_db)):
    take_lock(db, key)  # expect: SL304 "by `take_lock()`"
    db.execute(text("INSERT INTO imports (k) VALUES (:k)"), {"k": key})
    db.commit()


# Quiet: nothing ends the session's transaction inside the block.
def init_server_flush() -> None:
    with SessionLocal() as session:
        with advisory_lock_ctx(session, 99):
            session.execute(text("INSERT INTO marks VALUES (1)"))
            session.flush()
        session.commit()


# Quiet: on a Connection, commits keep the connection.
def migrate_locked() -> None:
    with engine.connect() as conn:
        with advisory_lock_ctx(conn, 5):
            conn.execute(text("CREATE TABLE IF NOT EXISTS marks (id int)"))
            conn.commit()


def save_mark(db: Session) -> None:
    db.execute(text("INSERT INTO marks VALUES (2)"))
    db.commit()


def add_mark(db: Session) -> None:
    db.add_all([])
    db.flush()


# Bad: a helper handed the session commits it inside the block.
def init_marks() -> None:
    with SessionLocal() as session:
        with advisory_lock_ctx(bind=session, key=98):  # expect: SL304 "`save_mark()` commits it"
            add_mark(session)
            save_mark(session)


# Quiet: the helpers inside the block only flush; the commit comes after the exit.
def init_marks_flush() -> None:
    with SessionLocal() as session:
        with advisory_lock_ctx(bind=session, key=98):
            add_mark(session)
        save_mark(session)


# Quiet: rolled back only on the branch where the try-lock was not taken.
def try_reindex(key: int) -> bool:
    with SessionLocal() as session:
        got = session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        if not got:
            session.rollback()
            return False
        try:
            session.execute(text("DELETE FROM documents"))
            session.flush()
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        session.commit()
        return True


# Quiet: the same, the answer read from the result on a line of its own.
def try_reindex_two_steps(key: int) -> bool:
    with SessionLocal() as session:
        result = session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        got = result.scalar()
        if not got:
            session.rollback()
            return False
        try:
            session.execute(text("DELETE FROM documents"))
            session.flush()
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        session.commit()
        return True


# Bad: the same, committing before the unlock on the branch that holds it.
def try_reindex_commit(key: int) -> bool:
    with SessionLocal() as session:
        got = session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()  # expect: SL304 "it commits on line 245"
        if got:
            session.execute(text("DELETE FROM documents"))
            session.commit()
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        else:
            session.rollback()
        return bool(got)


# Bad: the lock through scalar() and exec_driver_sql(), committed before the unlock.
def reindex_scalar(dataset_id: int) -> None:
    with SessionLocal() as session:
        if not session.scalar(select(func.pg_try_advisory_lock(dataset_id))):  # expect: SL304
            return
        session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
        session.commit()
        session.scalar(select(func.pg_advisory_unlock(dataset_id)))


def migrate_driver_sql() -> None:
    conn = engine.connect()
    try:
        conn.exec_driver_sql("SELECT pg_advisory_lock(42)")  # expect: SL304
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS marks (id int)")
    finally:
        conn.close()


# Bad: the begin() block's commit gives the connection back before the unlock.
def rebuild_index(dataset_id: int) -> None:
    with SessionLocal() as session:
        with session.begin():
            session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": dataset_id})  # expect: SL304 "its `begin()` block ends"
            session.execute(text("DELETE FROM search_index WHERE dataset_id = :d"), {"d": dataset_id})
        session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": dataset_id})
        session.commit()


# Bad: the with block closes the connection with the lock still held.
def migrate_marks() -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(43)"))  # expect: SL304 "the `with` block that closes it ends"
        conn.execute(text("CREATE TABLE IF NOT EXISTS marks2 (id int)"))
        conn.commit()
