# SL207 held-while-waiting: a pooled connection kept checked out (a session
# that queried and has not committed, rolled back or closed since; a
# connection taken from an engine or a pool) while the code sleeps, or makes
# HTTP requests once per item of a loop.  The connection sits idle in its
# transaction for as long as the wait lasts; with as many such waits as the
# pool has connections, everyone else waits too.
# Convention: the finding is on the sleep, or on the call that waits.
import asyncio
import time

import asyncpg
import httpx
import requests
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


# Bad: polls by sleeping with the query's transaction still open.
def wait_for_approval(challenge_id: int, timeout: int = 300) -> bool:
    with SessionLocal() as db:
        start = time.time()
        while time.time() - start < timeout:
            db.expire_all()
            row = db.execute(text("SELECT status FROM challenges WHERE id = :i"), {"i": challenge_id}).first()
            if row and row.status == "approved":
                return True
            time.sleep(2)  # expect: SL207 "while it sleeps"
    return False


# Bad: a pool connection held, in a transaction, while the timer waits.
async def dispatch_timers(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            timer = await conn.fetchrow("SELECT id, expires FROM timers ORDER BY expires LIMIT 1 FOR UPDATE")
            await asyncio.sleep(timer["expires"])  # expect: SL207
            await conn.execute("DELETE FROM timers WHERE id = $1", timer["id"])


def fetch_states(urls: list) -> dict:
    out = {}
    for url in urls:
        out[url] = requests.get(url, timeout=30).json()
    return out


def fetch_state(url: str) -> dict:
    return requests.get(url, timeout=30).json()


# Bad: a helper that makes an HTTP request, called per issue while the batch's transaction is open.
def sync_issues() -> None:
    with SessionLocal() as db:
        issues = db.execute(text("SELECT id, url FROM issues LIMIT 50")).all()
        for issue in issues:
            state = fetch_state(issue.url)  # expect: SL207 "a function it calls once per item of a loop makes HTTP requests"
            db.execute(text("UPDATE issues SET state = :s WHERE id = :i"), {"s": state, "i": issue.id})
        db.commit()


# Quiet: the helper loops over its own batches; called once here, its hold
# is one call's (as a single request is).
def sync_issues_batched() -> None:
    with SessionLocal() as db:
        issues = db.execute(text("SELECT id, url FROM issues LIMIT 50")).all()
        states = fetch_states([i.url for i in issues])
        db.execute(text("UPDATE issues SET synced = true"))
        db.commit()
    return states


# Bad: an HTTP request per row, in the loop, with the session's transaction open.
@app.post("/webhooks/replay")
def replay(db: Session = Depends(get_db)):
    hooks = db.execute(text("SELECT url, body FROM hooks")).all()
    for hook in hooks:
        httpx.post(hook.url, json=hook.body)  # expect: SL207 "once per item"
    db.execute(text("DELETE FROM hooks"))
    db.commit()


# Quiet: committed before the wait; the next query opens a new transaction.
def wait_for_approval_fixed(challenge_id: int, timeout: int = 300) -> bool:
    with SessionLocal() as db:
        start = time.time()
        while time.time() - start < timeout:
            row = db.execute(text("SELECT status FROM challenges WHERE id = :i"), {"i": challenge_id}).first()
            db.commit()
            if row and row.status == "approved":
                return True
            time.sleep(2)
    return False


# Quiet: one HTTP call after a read: its hold is that call's (not reported).
@app.get("/users/{user_id}/avatar")
def avatar(user_id: int, db: Session = Depends(get_db)):
    url = db.execute(text("SELECT avatar_url FROM users WHERE id = :i"), {"i": user_id}).scalar()
    return requests.get(url, timeout=5).content


RETRY_INTERVAL = 0.5


# Quiet: a short pause, and a poll at a module constant under a second.
def settle(db: Session) -> None:
    db.execute(text("SELECT 1"))
    time.sleep(2)
    for _ in range(5):
        db.execute(text("SELECT 1"))
        time.sleep(RETRY_INTERVAL)


# Quiet: nothing queried yet, so no connection is out.
def warm_up() -> None:
    with SessionLocal() as db:
        time.sleep(5)
        db.execute(text("SELECT 1"))
        db.commit()


# Quiet: a yield to the event loop, a short poll.
async def poll(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")
        await asyncio.sleep(0)
        await asyncio.sleep(0.05)


# Quiet: the backoff of a retry after a failed statement (SL402's concern).
def insert_with_retry(db: Session) -> None:
    for attempt in range(3):
        try:
            db.execute(text("INSERT INTO t VALUES (1)"))
            db.commit()
            return
        except Exception:
            db.rollback()
            time.sleep(2 ** attempt)


# Quiet: the streamed body sleeps when it runs, not the endpoint (SL205's concern).
@app.get("/ticks")
async def ticks(db: Session = Depends(get_db)):
    db.execute(text("SELECT 1"))

    async def body():
        while True:
            yield b"tick\n"
            await asyncio.sleep(10)

    return body()


async def slow_job() -> None:
    await asyncio.sleep(30)


# Quiet: a coroutine handed to a task runs apart; it is not awaited here.
async def schedule(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")
        asyncio.get_running_loop().create_task(slow_job())


def refresh_if_expired(token: dict) -> dict:
    if token["expired"]:
        return requests.post("https://auth.example.com/token", data=token, timeout=10).json()
    return token


# Quiet: per item, but the helper calls out on one branch only (a refresh when expired).
def refresh_tokens() -> None:
    with SessionLocal() as db:
        rows = db.execute(text("SELECT id, token FROM tokens")).all()
        for row in rows:
            refresh_if_expired(row.token)
        db.execute(text("UPDATE tokens SET checked = now()"))
        db.commit()


def retry_call(fn, attempts: int = 5):
    for attempt in range(attempts):
        try:
            return fn()
        except ConnectionError:
            pass
        time.sleep(2 ** attempt)
    raise RuntimeError("gave up")


def run_when_ready(fn):
    result = fn()
    if result is None:
        time.sleep(30)
        result = fn()
    return result


# Quiet: the helpers sleep only after a failed attempt or on one branch.
def store_with_helpers(db: Session) -> None:
    db.execute(text("SELECT 1"))
    retry_call(lambda: db.execute(text("INSERT INTO t VALUES (1)")))
    run_when_ready(lambda: db.execute(text("SELECT 2")).scalar())
    db.commit()


def refresh_token(token: dict) -> dict:
    return requests.post("https://auth.example.com/token", data=token, timeout=10).json()


# Quiet: the helper calls out only for the items whose test says so (an
# expired token): a may-wait per item, as a helper that refreshes on one branch.
# A test on something else than the item (a mode) is per item when it holds.
def refresh_expired(push: bool) -> None:
    with SessionLocal() as db:
        rows = db.execute(text("SELECT id, token FROM tokens")).all()
        for row in rows:
            if row.token["expired"]:
                refresh_token(row.token)
            if push:
                refresh_token(row.token)  # expect: SL207
        db.commit()
