import asyncio
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shop import database
from shop.database import get_read_session, get_session, get_session_function_scope

router = APIRouter()
Session = Annotated[AsyncSession, Depends(get_session)]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


async def audit(session: AsyncSession, what: str) -> None:
    await session.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": what})


async def count(session: AsyncSession, table: str) -> int:
    return (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


@router.get("/report")
async def report():
    # the module's one session, for every request
    result = await database.reporting_session.execute(text("SELECT count(*) FROM orders"))
    return {"orders": result.scalar_one()}


@router.post("/items")
async def create_item(name: str, session: Session, tasks: BackgroundTasks):
    await session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
    # quiet on >= 0.118: get_session exits after the background tasks
    tasks.add_task(audit, session, f"created {name}")
    return {"name": name}


@router.post("/items/fire-and-forget")
async def create_item_untracked(name: str, session: Session):
    await session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
    asyncio.create_task(audit(session, f"created {name}"))  # expect: SL202
    return {"name": name}


@router.post("/items/function-scope")
async def create_item_fn(
    name: str,
    tasks: BackgroundTasks,
    session: AsyncSession = Depends(get_session_function_scope, scope="function"),
):
    await session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": name})
    tasks.add_task(audit, session, f"created {name}")  # expect: SL202
    return {"name": name}


@router.get("/stats")
async def stats(session: ReadSession):
    items, orders = await asyncio.gather(count(session, "items"), count(session, "orders"))  # expect: SL203
    return {"items": items, "orders": orders}


@router.get("/stats/sequential")
async def stats_sequential(session: ReadSession):
    items = await count(session, "items")
    orders = await count(session, "orders")
    return {"items": items, "orders": orders}
