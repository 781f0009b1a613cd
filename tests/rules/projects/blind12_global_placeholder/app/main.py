from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import database, events, legacy
from app.config import settings
from app.routers import reports


@asynccontextmanager
async def lifespan(app: FastAPI):
    database.init_engines(settings.database_url, settings.sync_database_url)
    await events.connect_pool(settings.events_dsn)
    legacy.open_legacy_factory()
    legacy.open_legacy_session()
    yield
    legacy.close_legacy_session()
    await events.close_pool()
    await database.dispose_engines()


app = FastAPI(lifespan=lifespan)
app.include_router(reports.router)
app.include_router(legacy.router)
