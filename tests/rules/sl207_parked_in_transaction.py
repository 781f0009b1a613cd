# SL207 held-while-waiting, the wait being the life of the process: a session
# (or a 2.0-style Connection) stored in a module global or on application
# state right after it ran a statement, with no commit or rollback before the
# function returns.  SQLAlchemy began a transaction at that statement
# (autobegin), so the pooled connection sits idle in transaction from then on:
# it holds its locks and snapshot, and PostgreSQL's
# idle_in_transaction_session_timeout ends it, with any session-level lock.
# Convention: the finding is on the store.
import asyncpg
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5)
AsyncSessionLocal = async_sessionmaker(aengine)
app = FastAPI()

_audit = None
_leader = None
_pg = None


class Registry:
    session = None


registry = Registry()


# Bad: a module-wide audit session, kept after the query that checked the table.
def open_audit() -> None:
    global _audit
    session = SessionLocal()
    try:
        session.execute(text("SELECT 1 FROM audit_log LIMIT 1"))
    except BaseException:
        session.close()
        raise
    _audit = session  # expect: SL207 "for the life of the process"


# Bad: a Connection of a 2.0 engine on application state, after its first statement.
@app.on_event("startup")
def warm_up() -> None:
    conn = engine.connect()
    try:
        conn.execute(text("SET application_name = 'api'"))
    except BaseException:
        conn.close()
        raise
    app.state.conn = conn  # expect: SL207 "its `execute()` on line 50"


# Bad: on a module-level object's attribute, and the leader's lock with it.
async def become_leader() -> bool:
    session = AsyncSessionLocal()
    try:
        got = (await session.execute(text("SELECT pg_try_advisory_lock(1)"))).scalar()
    except BaseException:
        await session.close()
        raise
    if not got:
        await session.close()
        return False
    registry.session = session  # expect: SL207 "stored in `registry.session`"
    return True


# Bad: application state reached from the request.
async def attach(request: Request) -> None:
    session = AsyncSessionLocal()
    try:
        await session.execute(text("SELECT 1"))
    except BaseException:
        await session.close()
        raise
    request.app.state.db = session  # expect: SL207


# Quiet: committed before it is stored.
def open_audit_committed() -> None:
    global _audit
    session = SessionLocal()
    try:
        session.execute(text("INSERT INTO audit_log (msg) VALUES ('up')"))
        session.commit()
    except BaseException:
        session.close()
        raise
    _audit = session


# Quiet: stored before anything runs through it.
def open_audit_idle() -> None:
    global _audit
    _audit = SessionLocal()


# Quiet: rolled back through the global after the store.
def open_audit_rolled_back() -> None:
    global _audit
    session = SessionLocal()
    try:
        session.execute(text("SELECT 1"))
    except BaseException:
        session.close()
        raise
    _audit = session
    _audit.rollback()


def _drop_leader() -> None:
    global _leader
    if _leader is not None:
        _leader.close()
        _leader = None


# Quiet: a helper that reads the global takes it over (it closes it).
def elect_or_step_down(ok: bool) -> None:
    global _leader
    session = SessionLocal()
    try:
        session.execute(text("SELECT pg_try_advisory_lock(2)"))
    except BaseException:
        session.close()
        raise
    _leader = session
    if not ok:
        _drop_leader()
        return
    _leader.commit()


# Quiet: the engine and the session factory hold no transaction.
@app.on_event("startup")
def keep_factories() -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.commit()
    app.state.engine = engine
    app.state.sessions = SessionLocal


# Quiet: asyncpg runs each statement in autocommit outside transaction().
async def connect_raw() -> None:
    global _pg
    conn = await asyncpg.connect("postgresql://app@db/app")
    try:
        await conn.execute("SELECT 1")
    except BaseException:
        await conn.close()
        raise
    _pg = conn


# Quiet: stored only on the branch that committed; the other closes it.
async def elect(ok: bool) -> None:
    session = AsyncSessionLocal()
    try:
        await session.execute(text("SELECT 1"))
        if not ok:
            await session.close()
            return
        await session.commit()
    except BaseException:
        await session.close()
        raise
    registry.session = session
