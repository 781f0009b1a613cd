# arq copies the ctx its on_startup hook fills into every job's ctx, and
# runs up to max_jobs jobs at once as asyncio tasks: a session kept there
# is one session for every job at the same time.
import asyncpg
from arq import cron, func
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://u:p@localhost/db")
AsyncFactory = async_sessionmaker(engine)


async def boot(ctx):
    session = AsyncFactory()
    ctx["session"] = session  # expect: SL203 "arq startup hook `boot`"
    ctx["engine"] = engine
    ctx["factory"] = AsyncFactory


async def import_rows(ctx, rows):
    session = ctx["session"]
    for row in rows:
        session.add(row)
    await session.commit()


async def refresh(ctx):
    async with ctx["factory"]() as own:
        await own.commit()


class ImportWorker:
    on_startup = boot
    functions = [func(import_rows, name="import"), refresh]


async def connect(ctx):
    ctx["conn"] = await asyncpg.connect("postgresql://u:p@localhost/db")  # expect: SL203


async def nightly(ctx):
    await ctx.get("conn").execute("vacuum")


class CronWorker:
    on_startup = connect
    cron_jobs = [cron(nightly, hour=3)]


# Quiet: a session per job, made in on_job_start.
async def job_start(ctx):
    ctx["session"] = AsyncFactory()


async def job_end(ctx):
    await ctx["session"].close()


async def startup_quiet(ctx):
    ctx["factory"] = AsyncFactory


class PerJobWorker:
    on_startup = startup_quiet
    on_job_start = job_start
    on_job_end = job_end
    functions = [import_rows]


# Quiet: one job at a time.
class SerialWorker:
    on_startup = boot
    functions = [import_rows]
    max_jobs = 1


# Quiet: the startup session is read by no job.
async def warm(ctx):
    ctx["warm"] = AsyncFactory()


class WarmWorker:
    on_startup = warm
    functions = [refresh]
