import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request

from syncsvc.db import source_engine, target_engine
from syncsvc.events import last_event, store_event, store_event_safe
from syncsvc.transfer import copy_table, copy_table_safe, row_count


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(os.environ.get("EVENTS_DSN", "postgresql://app@localhost/events"))
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/sync/{table}")
async def sync_table(table: str, request: Request):
    n = copy_table(source_engine, target_engine, table)
    await store_event("copied", f"{table}:{n}", pool=request.app.state.pool)
    return {"copied": n}


@app.post("/sync-safe/{table}")
async def sync_table_safe(table: str, request: Request):
    n = copy_table_safe(src=source_engine, dst=target_engine, table=table)
    await store_event_safe("copied", f"{table}:{n}", pool=request.app.state.pool)
    return {"copied": n, "target_rows": row_count(target_engine, table)}


@app.get("/sync/last")
async def sync_last(request: Request):
    return dict(await last_event(request.app.state.pool) or {})
