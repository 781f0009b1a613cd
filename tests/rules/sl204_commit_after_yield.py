# SL204 commit-after-response (no version: the newest behaviour, FastAPI >=
# 0.118 with the default scope="request"): a yield dependency that commits
# or flushes after the yield does so after the response was sent.  When the
# commit fails (CockroachDB returns SQLSTATE 40001 at COMMIT, a constraint
# is deferred) the client has already seen 200 and the write is lost.
# Convention: the finding is on the commit()/flush() call after the yield;
# for a `with ...begin()` block around the yield (it commits on exit), on
# that `with` line.
import os
from typing import Annotated

from fastapi import Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Account, Transfer

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 10, os.environ["DATABASE_DSN"])
app = FastAPI()


# Bad: unit of work per request, committed after the response.
def get_db_tx():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


# Bad: flush after the yield - an IntegrityError there is never reported.
def get_db_flush():
    with SessionLocal() as db:
        yield db
        db.flush()  # expect: SL204


# Bad: SessionLocal.begin() commits when the `with` exits, after the yield.
def get_db_begin():
    with SessionLocal.begin() as db:  # expect: SL204
        yield db


# Bad: session.begin() around the yield.
def get_db_nested_begin():
    with SessionLocal() as db:
        with db.begin():  # expect: SL204
            yield db


# Bad: async provider committing after the yield.
async def get_adb_tx():
    async with AsyncSessionLocal() as session:
        try:
            yield session
            await session.commit()  # expect: SL204
        except Exception:
            await session.rollback()
            raise


# Bad: async_sessionmaker.begin() around the yield.
async def get_adb_begin():
    async with AsyncSessionLocal.begin() as session:  # expect: SL204
        yield session


# Bad: psycopg2 pooled connection committed after the yield.
def get_pg_tx():
    conn = pg_pool.getconn()
    try:
        yield conn
        conn.commit()  # expect: SL204
    finally:
        pg_pool.putconn(conn)


# Quiet: the same unit of work with scope="function": the exit code runs
# when the endpoint returns, before the response.
def get_db_tx_fn():
    db = SessionLocal()
    try:
        yield db
        db.commit()
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


# Quiet: begin() around the yield, only used with scope="function".
async def get_adb_begin_fn():
    async with AsyncSessionLocal.begin() as session:
        yield session


TxDB = Annotated[Session, Depends(get_db_tx)]
TxDBFn = Annotated[Session, Depends(get_db_tx_fn, scope="function")]
ADBTx = Annotated[AsyncSession, Depends(get_adb_tx)]


@app.post("/accounts")
def open_account(owner: str, db: TxDB):
    account = Account(owner=owner, balance=0)
    db.add(account)
    return {"owner": owner}


@app.post("/accounts/{account_id}/close")
def close_account(account_id: int, db: Session = Depends(get_db_flush)):
    db.delete(db.get(Account, account_id))
    return {"closed": account_id}


@app.post("/transfers")
def transfer(src: int, dst: int, amount: int, db: Session = Depends(get_db_begin)):
    db.get(Account, src).balance -= amount
    db.get(Account, dst).balance += amount
    db.add(Transfer(src=src, dst=dst, amount=amount))
    return {"ok": True}


@app.post("/accounts/{account_id}/freeze")
def freeze(account_id: int, db: Session = Depends(get_db_nested_begin)):
    db.get(Account, account_id).frozen = True
    return {"frozen": account_id}


@app.post("/accounts/{account_id}/thaw")
async def thaw(account_id: int, session: ADBTx):
    (await session.get(Account, account_id)).frozen = False
    return {"thawed": account_id}


@app.post("/accounts/{account_id}/rename")
async def rename(account_id: int, owner: str, session: AsyncSession = Depends(get_adb_begin)):
    (await session.get(Account, account_id)).owner = owner
    return {"renamed": account_id}


@app.post("/ledger")
def append_ledger(entry: str, conn=Depends(get_pg_tx)):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO ledger(entry) VALUES (%s)", (entry,))
    return {"ok": True}


@app.post("/accounts/{account_id}/deposit")
def deposit(account_id: int, amount: int, db: TxDBFn):
    db.get(Account, account_id).balance += amount
    return {"ok": True}


@app.post("/accounts/{account_id}/withdraw")
async def withdraw(account_id: int, amount: int, session: AsyncSession = Depends(get_adb_begin_fn, scope="function")):
    (await session.get(Account, account_id)).balance -= amount
    return {"ok": True}
