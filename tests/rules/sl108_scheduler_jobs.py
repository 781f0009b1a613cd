# SL108 in APScheduler jobs: `scheduler.add_job(f, ...)` (func= too),
# `@scheduler.scheduled_job(...)`, on a BackgroundScheduler, AsyncIOScheduler
# or BlockingScheduler, runs f at every trigger: each run is a unit of work,
# like a Celery task.  An engine a job makes and stores over the one the run
# before stored replaces a pool nothing disposes; a job that start-up code
# also runs once still runs again at every trigger.
# Convention: the finding is on the create_engine(...) call.
import os

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

app = FastAPI()
scheduler = BackgroundScheduler()
loop_scheduler = AsyncIOScheduler()
cron = BlockingScheduler()

analytics = None
warehouse = None
metrics = None
archive = None
cached = None
rotated = None
boot_engine = None


def read_url(name: str) -> str:
    with open(f"/etc/app/{name}") as f:
        return f.read().strip()


def refresh_analytics() -> None:
    global analytics
    analytics = create_engine(read_url("analytics"), pool_size=5)  # expect: SL108 "stored in `analytics`"


def refresh_warehouse() -> None:
    global warehouse
    warehouse = create_engine(read_url("warehouse"))  # expect: SL108 "refresh_warehouse"


async def refresh_metrics() -> None:
    global metrics
    metrics = create_async_engine(read_url("metrics"))  # expect: SL108


@cron.scheduled_job("cron", hour=3)
def nightly_archive() -> None:
    global archive
    archive = create_engine(read_url("archive"))  # expect: SL108 "nightly_archive"
    with archive.connect() as conn:
        conn.execute(text("SELECT 1"))


def make_once() -> None:
    # made on the first run only: quiet
    global cached
    if cached is None:
        cached = create_engine(read_url("cached"))


def rotate() -> None:
    # the old pool is disposed before it is replaced: quiet
    global rotated
    if rotated is not None:
        rotated.dispose()
    rotated = create_engine(read_url("rotated"))


def init_boot_engine() -> None:
    # start-up code only, no trigger runs it: quiet
    global boot_engine
    boot_engine = create_engine(read_url("boot"))


scheduler.add_job(refresh_analytics, "interval", minutes=5)
scheduler.add_job(func=refresh_warehouse, trigger="interval", hours=1)
scheduler.add_job(make_once, "interval", minutes=1)
scheduler.add_job(rotate, "interval", minutes=10)
loop_scheduler.add_job(refresh_metrics, "interval", seconds=30)


@app.on_event("startup")
def start() -> None:
    refresh_analytics()
    init_boot_engine()
    scheduler.start()
    loop_scheduler.start()
