# SL206 across modules: the endpoint's session comes from app.db's
# dependency; the audit helper of another module opens a second session of
# the same engine while the first still holds its connection.
from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.db import get_session

app = FastAPI()


# Bad: the update holds the connection; record() waits for a second one.
@app.post("/orders/{order_id}/ship")
async def ship(order_id: int, session: AsyncSession = Depends(get_session)):
    await session.execute(text("UPDATE orders SET shipped = true WHERE id = :i"), {"i": order_id})
    await record("shipped")  # expect: SL206
    await session.commit()


# Quiet: committed first, so the first connection is back in the pool.
@app.post("/orders/{order_id}/cancel")
async def cancel(order_id: int, session: AsyncSession = Depends(get_session)):
    await session.execute(text("UPDATE orders SET cancelled = true WHERE id = :i"), {"i": order_id})
    await session.commit()
    await record("cancelled")
