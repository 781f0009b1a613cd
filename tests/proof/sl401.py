"""SL401 no-retry-on-serialization-failure: a SERIALIZABLE transaction
committed with no retry on SQLSTATE 40001.

CockroachDB runs every transaction SERIALIZABLE; PostgreSQL does when asked
(the engine's isolation_level), and raises the same SQLSTATE 40001 when
transactions contend.  Two transfers from one account at the same time: the
other one takes the row first and commits while the page's bad endpoint
waits for it; its UPDATE fails with 40001 and, with no retry, the client
gets a 500 for a valid transfer.  The page's second fixed example retries
in a fresh transaction and succeeds (its first, run_transaction, is
sqlalchemy-cockroachdb's, which Debian does not package).
sessionlint is told the project is a CockroachDB one (database =
"cockroachdb"), as the rule only applies there.

The drivers' own transaction blocks are the same: asyncpg's `async with
conn.transaction():` commits as the block ends, with nothing to retry it.
The same race on it raises asyncpg's SerializationError out of the block;
the fixed form runs the block again on 40001 and commits.
"""
# needs: sqlalchemy psycopg2 fastapi httpx asyncpg
import asyncio
import time

import asyncpg

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", isolation_level="SERIALIZABLE")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()
OTHER_TRANSFER = "UPDATE accounts SET balance = balance - 10 WHERE id = %s"


class Account(Base):
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    balance = Column(Integer, nullable=False)


class TransferIn(BaseModel):
    source: int
    target: int
    amount: int


def get_db():
    with SessionLocal() as db:
        yield db


def move_funds(db: Session, source: int, target: int, amount: int) -> None:
    src, tgt = db.get(Account, source), db.get(Account, target)
    if src.balance < amount:
        raise HTTPException(409, "insufficient funds")
    src.balance -= amount
    tgt.balance += amount


app = FastAPI()


# The page's bad example.
@app.post("/transfer")
def transfer(t: TransferIn, db: Session = Depends(get_db)):
    move_funds(db, t.source, t.target, t.amount)
    db.commit()  # expect: SL401


# The page's second fixed example: a retry loop, a fresh transaction per
# attempt (it returns the attempts, for the proof).
@app.post("/transfer/fixed")
def transfer_fixed(t: TransferIn, db: Session = Depends(get_db)):
    for attempt in range(5):
        try:
            move_funds(db, t.source, t.target, t.amount)
            db.commit()
            return {"attempts": attempt + 1}
        except OperationalError as e:
            db.rollback()
            if e.orig.pgcode != "40001":
                raise
            time.sleep(0.01 * 2 ** attempt)
    raise HTTPException(503, "busy, try again")


# A driver's transaction block: asyncpg (the isolation is CockroachDB's
# own, asked for here because PostgreSQL's default is READ COMMITTED).
async def withdraw(account: int, amount: int) -> None:
    conn = await asyncpg.connect()
    try:
        async with conn.transaction(isolation="serializable"):  # expect: SL401
            await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2",
                               amount, account)
    finally:
        await conn.close()


async def withdraw_fixed(account: int, amount: int) -> int:
    conn = await asyncpg.connect()
    try:
        for attempt in range(5):
            try:
                async with conn.transaction(isolation="serializable"):
                    await conn.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2",
                                       amount, account)
                return attempt + 1
            except asyncpg.exceptions.SerializationError:
                await asyncio.sleep(0.01 * 2 ** attempt)
        raise RuntimeError("busy, try again")
    finally:
        await conn.close()


def balances():
    return dict(proof.query("SELECT id, balance FROM accounts"))


def body(p):
    Base.metadata.create_all(engine)
    proof.query("INSERT INTO accounts VALUES (1, 100), (2, 0)")
    body_ = b'{"source": 1, "target": 2, "amount": 30}'

    r, err, waited = proof.against_concurrent_write(
        OTHER_TRANSFER, (1,), lambda: proof.asgi_request(app, "POST", "/transfer/fixed", body_))
    p.check(err is None and waited and r[2] is None, "fixed: %r (waited: %s)" % (r, waited))
    p.check(r[0] == 200 and r[1] == b'{"attempts":2}', "fixed: %r" % (r,))
    p.check(balances() == {1: 60, 2: 30}, "fixed: balances %r" % balances())
    p.fixed("attempt 2 commits: 200")

    r, err, waited = proof.against_concurrent_write(
        OTHER_TRANSFER, (1,), lambda: proof.asgi_request(app, "POST", "/transfer", body_))
    p.check(waited, "bad: the transfer did not wait for the other one")
    p.check(err is None and r[0] == 500, "bad: the client got %r" % (r,))
    err = r[2]
    p.check(isinstance(err, OperationalError) and err.orig.pgcode == "40001",
            "bad: not a serialization failure: %r" % err)
    p.check(balances() == {1: 50, 2: 30}, "bad: balances %r" % balances())
    p.bad("%s (%s) reaches the client as a 500" % (
        str(err.orig).strip().splitlines()[0], err.orig.pgcode), proof.exc_text(err))

    r, err, waited = proof.against_concurrent_write(
        OTHER_TRANSFER, (1,), lambda: asyncio.run(withdraw_fixed(1, 5)))
    p.check(err is None and waited and r == 2, "asyncpg fixed: %r %r (waited: %s)" % (r, err, waited))
    p.check(balances() == {1: 35, 2: 30}, "asyncpg fixed: balances %r" % balances())
    p.fixed("asyncpg: attempt 2 commits")

    r, err, waited = proof.against_concurrent_write(
        OTHER_TRANSFER, (1,), lambda: asyncio.run(withdraw(1, 5)))
    p.check(waited, "asyncpg bad: the withdrawal did not wait for the other one")
    p.check(isinstance(err, asyncpg.exceptions.SerializationError) and err.sqlstate == "40001",
            "asyncpg bad: not a serialization failure: %r" % (err,))
    p.check(balances() == {1: 25, 2: 30}, "asyncpg bad: balances %r" % balances())
    p.bad("asyncpg: %s leaves `async with conn.transaction()`" % proof.exc_text(err))
    p.lint(config='database = "cockroachdb"\n')


proof.run("SL401", body)
