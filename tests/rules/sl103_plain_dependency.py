# FastAPI releases only what a generator dependency yields, after its yield.
# A dependency that returns a session it made (`return SessionLocal()`), or
# a session factory named by Depends itself (`Depends(SessionLocal)`), hands
# every request a session that nothing closes: SQLAlchemy gets its connection
# back only when the garbage collector finds the session, and under load the
# pool runs dry first.  Reported at the acquisition (the return's call, or the
# Depends(...) that makes it), where the fix goes: yield it in try/finally.
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI()


def get_session() -> Session:
    return SessionLocal()  # expect: SL103 "is returned by a FastAPI dependency"


@app.get("/users")
def list_users(db: Session = Depends(get_session)):
    return db.execute(text("SELECT id FROM users")).all()


async def get_async_session():
    session = AsyncSessionLocal()  # expect: SL103 "FastAPI releases only what a generator"
    return session


@app.get("/orders")
async def list_orders(db: Annotated[AsyncSession, Depends(get_async_session)]):
    return (await db.execute(text("SELECT id FROM orders"))).all()


@app.get("/items")
def list_items(db: Session = Depends(SessionLocal)):  # expect: SL103 "is made by FastAPI for each request"
    return db.execute(text("SELECT id FROM items")).all()


@app.get("/tags")
def list_tags(db: Session = Depends(lambda: SessionLocal())):  # expect: SL103
    return db.execute(text("SELECT id FROM tags")).all()


# Quiet: the generator dependency closes what it yields.
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.get("/ok/users")
def ok_users(db: Session = Depends(get_db)):
    return db.execute(text("SELECT id FROM users")).all()


# Quiet: a dependency returning a factory or an engine hands over no session.
def get_factory():
    return SessionLocal


def get_engine():
    return engine


@app.get("/ok/factory")
def ok_factory(factory=Depends(get_factory), eng=Depends(get_engine)):
    with factory() as db:
        return db.execute(text("SELECT 1")).all()


# Quiet: a dependency returning the session another dependency lends.
def get_repo_session(db: Session = Depends(get_db)):
    return db


@app.get("/ok/repo")
def ok_repo(db: Session = Depends(get_repo_session)):
    return db.execute(text("SELECT 1")).all()


# Quiet: a cached provider is shared, not made per request (SL201's concern).
@lru_cache
def get_shared() -> Session:
    return SessionLocal()  # expect: SL201


# Quiet: a helper that returns a session to callers that close it, and no
# Depends names it.
def new_session() -> Session:
    return SessionLocal()


def report() -> int:
    with new_session() as db:
        return db.execute(text("SELECT count(*) FROM users")).scalar_one()


# Quiet: the endpoint closes the session FastAPI made for it.
@app.get("/ok/closed")
def ok_closed(db: Annotated[Session, Depends(SessionLocal)]):
    try:
        return db.execute(text("SELECT 1")).all()
    finally:
        db.close()


# Quiet: made per request but never used: no connection is checked out.
@app.get("/ok/unused")
def ok_unused(db: Session = Depends(SessionLocal)):
    return {"ok": True}


# A class dependency: FastAPI makes a UserService for each request; the
# session its __init__ keeps is closed by no method of the class.
class UserService:
    def __init__(self):
        self.db = SessionLocal()  # expect: SL103 "kept by an object FastAPI makes for each request"

    def names(self):
        return self.db.execute(text("SELECT name FROM users")).scalars().all()


@app.get("/service/users")
def service_users(svc: UserService = Depends(UserService)):
    return svc.names()


# Quiet: the class keeps the session its own dependency lends.
class BorrowingService:
    def __init__(self, db: Session = Depends(get_db)):
        self.db = db

    def names(self):
        return self.db.execute(text("SELECT name FROM users")).scalars().all()


@app.get("/service/borrowed")
def service_borrowed(svc: BorrowingService = Depends()):
    return svc.names()


# Quiet: a method of the class releases what it keeps (whoever calls it).
class ClosingService(object):
    def __init__(self):
        self.conn = engine.connect()

    def close(self):
        self.conn.close()


@app.get("/service/closing")
def service_closing(svc: ClosingService = Depends(ClosingService)):
    try:
        return svc.conn.execute(text("SELECT 1")).all()
    finally:
        svc.close()


# Quiet: not a dependency; made once at start-up (module level).
class Registry:
    def __init__(self):
        self.db = SessionLocal()


registry = Registry()
