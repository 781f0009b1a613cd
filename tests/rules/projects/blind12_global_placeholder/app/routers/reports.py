# Request code reading the placeholders of app.database, filled at startup.
from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import database, events

router = APIRouter(prefix="/reports")


@router.post("/totals/rebuild")
async def rebuild_totals():
    session = database.SessionLocal()  # expect: SL103
    await session.execute(text("REFRESH MATERIALIZED VIEW order_totals"))
    await session.commit()
    await session.close()
    await events.record_event("rebuild", "order_totals")
    return {"ok": True}


@router.post("/totals/rebuild-safe")
async def rebuild_totals_safe():
    async with database.SessionLocal() as session:
        await session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals"))
        await session.commit()
    return {"ok": True}


@router.get("/tables")
def table_sizes():
    conn = database.sync_engine.connect()  # expect: SL103
    rows = conn.execute(text("SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class WHERE relkind = 'r'")).all()
    conn.close()
    return {r.relname: r.size for r in rows}


@router.get("/tables-safe")
def table_sizes_safe():
    with database.sync_engine.connect() as conn:
        rows = conn.execute(text("SELECT relname, pg_total_relation_size(oid) AS size FROM pg_class WHERE relkind = 'r'")).all()
    return {r.relname: r.size for r in rows}


@router.get("/orders/count")
async def order_count(session: AsyncSession = Depends(database.get_session)):
    return {"count": (await session.execute(text("SELECT count(*) FROM orders"))).scalar_one()}


@router.get("/events")
async def list_events():
    return {"events": await events.recent_events(), "total": await events.count_events()}
