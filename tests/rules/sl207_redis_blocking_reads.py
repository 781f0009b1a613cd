# SL207 on Redis blocking reads: XREAD/XREADGROUP with block=, the
# BLPOP/BRPOP/BZPOPMIN family, a PubSub's listen() and get_message(timeout=)
# wait until another process writes (a worker's result, a job pushed), with
# the session's connection idle in its transaction.  redis-py and
# redis.asyncio alike; reached directly, through a project coroutine that
# awaits one, or through a project async generator that loops on one and
# is drained by an `async for`.  A blocking read in a loop is a consumer
# waiting for data, whatever each call's bound; alone, a bound under five
# seconds is a short pause.
import redis
import redis.asyncio as aioredis
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_async_engine("postgresql+asyncpg://app@db/app")
Maker = async_sessionmaker(engine, expire_on_commit=False)
sync_engine = create_engine("postgresql://app@db/app")
SyncMaker = sessionmaker(sync_engine)
cache = aioredis.Redis(host="redis")
sync_cache = redis.Redis.from_url("redis://redis")
app = FastAPI()


async def get_db():
    async with Maker() as db:
        yield db


def get_sync_db():
    with SyncMaker() as db:
        yield db


async def job_events(job_id: str):
    cursor = "0"
    while True:
        batch = await cache.xread({f"job:{job_id}": cursor}, block=10000, count=50)
        for _, entries in batch:
            for cursor, fields in entries:
                if fields.get("done"):
                    return
                yield fields


async def next_result(queue: str):
    return await cache.blpop(queue)


# Bad: drains a generator that blocks on XREAD, holding the query's connection.
@app.get("/jobs/{job_id}/wait")
async def wait_job(job_id: str, db: AsyncSession = Depends(get_db)):
    owner = await db.scalar(text("SELECT owner FROM jobs WHERE id = :i"), {"i": job_id})
    seen = []
    async for event in job_events(job_id):  # expect: SL207 "other work"
        seen.append(event)
    return {"owner": owner, "events": len(seen)}


# Bad: a project coroutine that waits on BLPOP without a timeout.
@app.post("/jobs/{job_id}/result")
async def job_result(job_id: str, db: AsyncSession = Depends(get_db)):
    await db.execute(text("UPDATE jobs SET polled = now() WHERE id = :i"), {"i": job_id})
    return await next_result(f"result:{job_id}")  # expect: SL207


# Bad: one XREAD blocking 15 s, a BRPOP with a 0.1 s bound in a loop.
@app.post("/jobs/{job_id}/peek")
async def peek(job_id: str, db: AsyncSession = Depends(get_db)):
    await db.execute(text("SELECT 1"))
    first = await cache.xread({"jobs": "$"}, block=15000)  # expect: SL207 "blocking read"
    while True:
        item = await cache.brpop(["done"], timeout=0.1)  # expect: SL207 "blocking read"
        if item:
            return {"first": first, "item": item}


# Bad: a pub/sub channel, listened to or polled with a timeout, in a sync endpoint too.
@app.get("/notices")
async def notices(db: AsyncSession = Depends(get_db)):
    await db.execute(text("SELECT 1"))
    channel = cache.pubsub()
    await channel.subscribe("notices")
    async for message in channel.listen():  # expect: SL207 "blocking read"
        return {"notice": message}


@app.get("/notices/sync")
def notices_sync(db: Session = Depends(get_sync_db)):
    db.execute(text("SELECT 1"))
    channel = sync_cache.pubsub()
    channel.subscribe("notices")
    while True:
        message = channel.get_message(timeout=1.0)  # expect: SL207 "blocking read"
        if message:
            return {"notice": message}


# Quiet: reads that do not block (XREAD without block=, get_message() at
# once), a single short BLPOP, and waits after the commit.
@app.get("/jobs/{job_id}/status")
async def status(job_id: str, db: AsyncSession = Depends(get_db)):
    await db.execute(text("SELECT 1"))
    recent = await cache.xread({"jobs": "0"}, count=10)
    maybe = await cache.blpop(["jobs"], timeout=0.5)
    channel = cache.pubsub()
    note = await channel.get_message()
    await db.commit()
    async for event in job_events(job_id):
        recent.append(event)
    await next_result(job_id)
    return {"recent": recent, "maybe": maybe, "note": note}


# Quiet: a worker consumes jobs with no request's session: each job's
# session is committed and closed before the next blocking read.
def worker() -> None:
    while True:
        _, job = sync_cache.blpop(["jobs"], timeout=0)
        with SyncMaker() as db:
            db.execute(text("UPDATE jobs SET done = true WHERE id = :i"), {"i": job})
            db.commit()


# Bad: a service keeps the client it is given (typed redis.asyncio.Redis);
# its method drains its own generator of pub/sub messages.
class Notifier:
    def __init__(self, client: aioredis.Redis):
        self.client = client

    async def messages(self, channel: str):
        sub = self.client.pubsub()
        await sub.subscribe(channel)
        while True:
            message = await sub.get_message(timeout=None)
            yield message

    async def first_message(self, channel: str):
        async for message in self.messages(channel):
            return message


def get_notifier() -> Notifier:
    return Notifier(cache)


@app.get("/inbox")
async def inbox(db: AsyncSession = Depends(get_db), notifier: Notifier = Depends(get_notifier)):
    await db.execute(text("SELECT 1"))
    return await notifier.first_message("inbox")  # expect: SL207
