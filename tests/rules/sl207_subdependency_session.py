# SL206 and SL207 on the session of a sub-dependency: a dependency that
# returns (the current user) and queries the request's cached session of a
# yield provider leaves it in its transaction, holding a pooled connection,
# until the provider's cleanup after the endpoint returns, whatever the
# FastAPI version.  A wait in the endpoint, or a second connection of the
# same pool taken there, happens while that connection is held.
import asyncio
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5, max_overflow=0)
Maker = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


async def get_db():
    async with Maker() as db:
        yield db


class Account:
    id: int
    is_admin: bool


async def current_account(x_account: str = Header(), db: AsyncSession = Depends(get_db)) -> Account:
    account = await db.scalar(select(Account).where(Account.id == int(x_account)))
    if account is None:
        raise HTTPException(401)
    return account


# two deep: the admin check depends on the account lookup, which queried
async def admin_account(account: Account = Depends(current_account)) -> Account:
    if not account.is_admin:
        raise HTTPException(403)
    return account


Admin = Annotated[Account, Depends(admin_account)]


# a lookup that reads only a header: no query, no transaction
async def caller_tag(x_tag: str = Header(), db: AsyncSession = Depends(get_db)) -> str:
    return x_tag.lower()


# a lookup that ends its transaction before returning: the connection goes back
async def released_account(x_account: str = Header(), db: AsyncSession = Depends(get_db)) -> Account:
    account = await db.scalar(select(Account).where(Account.id == int(x_account)))
    await db.commit()
    return account


async def export_rows(account_id: int) -> None:
    async with Maker() as session:
        await session.execute(text("SELECT * FROM rows WHERE owner = :o"), {"o": account_id})


# Bad: the admin check's query holds its connection through the pause.
@app.post("/maintenance")
async def maintenance(admin: Admin):
    await asyncio.sleep(30)  # expect: SL207 "sleeps"
    return {"by": admin.id}


# Bad: the account lookup's connection is held while another is taken for the export.
@app.post("/export")
async def export(account: Account = Depends(current_account)):
    await export_rows(account.id)  # expect: SL206 "checked out on line 72"
    return {"ok": True}


# Bad: the endpoint's own session of the same provider is the cached one the
# lookup queried: held from the start, so its own queries take nothing more,
# but a second session of the pool does.
@app.post("/copy")
async def copy(account: Account = Depends(current_account), db: AsyncSession = Depends(get_db)):
    await db.execute(text("SELECT 1"))
    async with Maker() as other:
        await other.execute(text("SELECT 2"))  # expect: SL206
    return {"ok": True}


# Quiet: the dependency only read a header.
@app.post("/tagged")
async def tagged(tag: str = Depends(caller_tag)):
    await asyncio.sleep(30)
    await export_rows(1)
    return {"tag": tag}


# Quiet: the dependency committed before returning (SQLAlchemy 2.0 gives the
# connection back at the commit).
@app.post("/released")
async def released(account: Account = Depends(released_account)):
    await asyncio.sleep(30)
    await export_rows(account.id)
    return {"ok": True}


# Quiet: the endpoint commits the cached session first (the fix).
@app.post("/maintenance2")
async def maintenance_fixed(admin: Admin, db: AsyncSession = Depends(get_db)):
    await db.commit()
    await asyncio.sleep(30)
    return {"by": admin.id}
