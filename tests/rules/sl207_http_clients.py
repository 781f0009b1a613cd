# SL207 through HTTP client objects: httpx.Client/AsyncClient,
# requests.Session, aiohttp.ClientSession.  Their request methods wait on the
# network like the module functions (requests.get), wherever the client
# comes from: a `with` block, a parameter's annotation, app.state, a module
# global, self, a factory.  As for the module functions, requests once per
# item of a loop are reported, a single request is not.
import aiohttp
import httpx
import requests
from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
AsyncSessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://app@db/app"))
app = FastAPI()
http = requests.Session()


def get_db():
    with SessionLocal() as db:
        yield db


async def get_adb():
    async with AsyncSessionLocal() as db:
        yield db


def make_client() -> httpx.Client:
    return httpx.Client(timeout=10)


# Bad: a client handed in by its caller, one POST per row (blind case 46).
def deliver_pending(db: Session, client: httpx.Client) -> int:
    hooks = db.execute(text("SELECT id, url, payload FROM webhooks WHERE sent = false")).all()
    sent = 0
    for h in hooks:
        r = client.post(h.url, content=h.payload, timeout=10)  # expect: SL207 "once per item"
        if r.is_success:
            sent += 1
    db.execute(text("UPDATE webhooks SET sent = true WHERE sent = false"))
    db.commit()
    return sent


# Quiet: rolled back before the loop; the retries' backoff is per attempt (blind case 47).
def deliver_pending_released(db: Session, client: httpx.Client) -> int:
    hooks = db.execute(text("SELECT id, url, payload FROM webhooks WHERE sent = false")).all()
    db.rollback()
    done = []
    for h in hooks:
        for attempt in range(3):
            try:
                r = client.post(h.url, content=h.payload, timeout=10)
                r.raise_for_status()
                done.append(h.id)
                break
            except httpx.HTTPError:
                pass
    if done:
        db.execute(text("UPDATE webhooks SET sent = true WHERE id = ANY(:ids)"), {"ids": done})
        db.commit()
    return len(done)


# Bad: an AsyncClient of an `async with`, one GET per row.
@app.post("/prices/refresh")
async def refresh_prices(db: AsyncSession = Depends(get_adb)):
    rows = (await db.execute(text("SELECT id, url FROM products"))).all()
    async with httpx.AsyncClient() as client:
        for row in rows:
            r = await client.get(row.url)  # expect: SL207
            await db.execute(text("UPDATE products SET price = :p WHERE id = :i"), {"p": r.json()["price"], "i": row.id})
    await db.commit()


# Bad: the application's client, kept on app.state at start-up.
@app.on_event("startup")
async def open_client():
    app.state.http = httpx.AsyncClient()


@app.post("/hooks/ping")
async def ping_hooks(request: Request, db: AsyncSession = Depends(get_adb)):
    urls = (await db.execute(text("SELECT url FROM hooks"))).scalars().all()
    for url in urls:
        await request.app.state.http.post(url)  # expect: SL207
    await db.commit()


# Bad: a module-level requests.Session.
def sync_users() -> None:
    with SessionLocal() as db:
        ids = db.execute(text("SELECT id FROM users")).scalars().all()
        for i in ids:
            http.get(f"https://crm.example.com/users/{i}", timeout=5)  # expect: SL207
        db.commit()


# Bad: a client a factory returns.
def check_links() -> None:
    client = make_client()
    with SessionLocal() as db:
        links = db.execute(text("SELECT url FROM links")).scalars().all()
        results = [client.head(u).status_code for u in links]  # expect: SL207
        db.commit()
    return results


class Notifier:
    def __init__(self) -> None:
        self.session = aiohttp.ClientSession()

    # Bad: the object's aiohttp session, one request per subscriber.
    async def notify_all(self, db: AsyncSession) -> None:
        subs = (await db.execute(text("SELECT url FROM subscribers"))).scalars().all()
        for url in subs:
            async with self.session.post(url, json={}) as resp:  # expect: SL207
                resp.raise_for_status()
        await db.commit()


# Quiet: one request after the read (its hold is that call's).
@app.get("/users/{user_id}/avatar")
def avatar(user_id: int, db: Session = Depends(get_db)):
    url = db.execute(text("SELECT avatar_url FROM users WHERE id = :i"), {"i": user_id}).scalar()
    with httpx.Client() as client:
        return client.get(url).content


# Quiet: a client's methods that do not go to the network, and a dict's get per row.
def build_requests(db: Session, client: httpx.Client, cache: dict) -> list:
    rows = db.execute(text("SELECT url FROM feeds")).all()
    out = []
    for row in rows:
        out.append(client.build_request("GET", row.url))
        out.append(cache.get(row.url))
    db.commit()
    return out


def post_each(client: httpx.Client, urls: list) -> None:
    for url in urls:
        client.post(url)


# Bad: a helper that surely calls out per item, through its client, while the caller holds.
def flush_outbox(db: Session, client: httpx.Client) -> None:
    rows = db.execute(text("SELECT url FROM outbox")).scalars().all()
    for batch in [rows[:10], rows[10:]]:
        post_each(client, batch)  # expect: SL207 "once per item"
    db.commit()
