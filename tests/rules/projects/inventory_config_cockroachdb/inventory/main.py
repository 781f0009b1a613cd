from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .db import get_session

app = FastAPI()
SessionDep = Annotated[AsyncSession, Depends(get_session)]


@app.post("/items/{item_id}/reserve")
async def reserve(item_id: int, session: SessionDep):
    await session.execute(text("UPDATE items SET stock = stock - 1 WHERE id = :id"), {"id": item_id})
    await session.commit()  # expect: SL401
    return {"ok": True}


@app.get("/items/{item_id}")
async def read(item_id: int, session: SessionDep):
    return (await session.execute("SELECT * FROM items WHERE id = %d" % item_id)).first()  # expect: SL301
