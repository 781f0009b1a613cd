# SL107 through a chain of FastAPI dependencies: a dependency that loads
# an ORM object through `Depends(get_db)`, another that takes it from the
# first and returns it (or an object keeping it in an attribute: a
# dataclass, a class whose __init__ or classmethod keeps it), and the
# endpoint that gets the last one beside its own `Depends(get_db)`.
# FastAPI runs get_db once per request, so the object is of the endpoint's
# session: its commit expires it, and a plain read afterwards (or the
# response FastAPI builds from it) raises MissingGreenlet.
from dataclasses import dataclass

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Factory = async_sessionmaker(engine)
KeepFactory = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str]
    balance: Mapped[int]


class AccountOut(BaseModel):
    id: int
    owner: str
    balance: int


async def get_db():
    async with Factory() as session:
        yield session


async def get_keep_db():
    async with KeepFactory() as session:
        yield session


async def account_by_header(db: AsyncSession = Depends(get_db)) -> Account | None:
    return (await db.execute(select(Account).where(Account.id == 7))).scalar_one_or_none()


async def open_account(acc: Account | None = Depends(account_by_header)) -> Account:
    if acc is None:
        raise HTTPException(status_code=404)
    return acc


async def kept_account(db: AsyncSession = Depends(get_keep_db)) -> Account:
    return await db.get(Account, 7)


@dataclass
class Billing:
    account: Account
    region: str


async def billing(acc: Account = Depends(open_account)) -> Billing:
    return Billing(account=acc, region="eu")


async def kept_billing(acc: Account = Depends(kept_account)) -> Billing:
    return Billing(acc, "eu")


class Principal:
    def __init__(self, holder: Account, scopes: list[str]):
        self.holder = holder
        self.scopes = scopes

    @classmethod
    async def resolve(cls, acc: Account = Depends(open_account)) -> "Principal":
        return cls(holder=acc, scopes=["pay"])


async def persist(db: AsyncSession, obj: Account) -> None:
    db.add(obj)
    await db.commit()


@app.post("/deposit")
async def deposit(amount: int, acc: Account = Depends(open_account),
                  db: AsyncSession = Depends(get_db)):
    acc.balance += amount
    await db.commit()
    return {"balance": acc.balance}  # expect: SL107 "`acc` of an AsyncSession is read after the commit on line 97"


@app.post("/fee")
async def fee(bill: Billing = Depends(billing), db: AsyncSession = Depends(get_db)):
    bill.account.balance -= 1
    await db.commit()
    return {"owner": bill.account.owner, "region": bill.region}  # expect: SL107 "`bill.account` of an AsyncSession is read after the commit on line 104"


@app.post("/rename", response_model=AccountOut)
async def rename(owner: str, who: Principal = Depends(Principal.resolve),
                 db: AsyncSession = Depends(get_db)):
    who.holder.owner = owner
    await persist(db, who.holder)
    return who.holder  # expect: SL107 "`who.holder` of an AsyncSession is returned after the commit on line 112"


# Quiet: the factory of the session keeps objects loaded after a commit.
@app.post("/kept-fee")
async def kept_fee(bill: Billing = Depends(kept_billing), db: AsyncSession = Depends(get_keep_db)):
    bill.account.balance -= 1
    await db.commit()
    return {"owner": bill.account.owner}


# Quiet: loaded again with an await after the commit.
@app.post("/refreshed-fee")
async def refreshed_fee(bill: Billing = Depends(billing), db: AsyncSession = Depends(get_db)):
    bill.account.balance -= 1
    await db.commit()
    await db.refresh(bill.account)
    return {"owner": bill.account.owner}


# Quiet: the values are read before the commit; the holder's own plain
# attributes and a test of the reference load nothing.
@app.post("/captured-fee")
async def captured_fee(bill: Billing = Depends(billing), db: AsyncSession = Depends(get_db)):
    owner = bill.account.owner
    bill.account.balance -= 1
    await db.commit()
    if bill.account is None:
        raise HTTPException(status_code=404)
    return {"owner": owner, "region": bill.region}


# Quiet: the endpoint commits a session of another dependency than the one
# that loaded the account.
@app.post("/audit")
async def audit(who: Principal = Depends(Principal.resolve), db: AsyncSession = Depends(get_keep_db)):
    db.add(Account(owner="audit", balance=0))
    await db.commit()
    return {"owner": who.holder.owner, "scopes": who.scopes}


# Quiet: the holder's attribute is bound anew to an object made after the
# commit.
@app.post("/switch")
async def switch(bill: Billing = Depends(billing), db: AsyncSession = Depends(get_db)):
    bill.account.balance -= 1
    await db.commit()
    bill.account = Account(owner="new", balance=0)
    return {"owner": bill.account.owner}
