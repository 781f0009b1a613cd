"""Blind cases: FastAPI dependency graphs: sub-dependencies, dependencies=[...], class deps, endpoints acquiring directly."""
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

app = FastAPI()
users = APIRouter()
eng = create_engine("postgresql://u@db/u")
SyncSessions = sessionmaker(bind=eng)
aeng = create_async_engine("postgresql+asyncpg://u@db/u")
AsyncSessions = async_sessionmaker(aeng, expire_on_commit=False)


def get_db():
    db = SyncSessions()
    try:
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessions() as adb:
        yield adb


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


class UserRepo:
    def __init__(self, db: DB):
        self.db = db

    def by_id(self, uid):
        return self.db.execute(text("select * from users where id = :i"), {"i": uid}).first()


# Good: sub-dependency borrowing the session.
def get_repo(db: DB) -> UserRepo:
    return UserRepo(db)


# Good: class dependency; the repo borrows the provider's session.
@users.get("/users/{uid}")
def read_user(uid: int, repo: UserRepo = Depends()):
    row = repo.by_id(uid)
    if row is None:
        raise HTTPException(404)
    return row


# Good: endpoint using a borrowed session, raising early.
@users.get("/users")
def list_users(db: DB, limit: int = 10):
    if limit > 100:
        raise HTTPException(400)
    return db.execute(text("select * from users limit :l"), {"l": limit}).all()


# Good: dependencies=[...] with a check dependency that borrows.
def require_db_alive(db: DB):
    db.execute(text("select 1"))


@users.post("/users", dependencies=[Depends(require_db_alive)])
async def create_user(db: ADB, payload: dict):
    await db.execute(text("insert into users(name) values (:n)"), {"n": payload["name"]})
    await db.commit()
    return {"ok": True}


# Bad: endpoint acquires its own session and closes only on the normal path.
@users.delete("/users/{uid}")
def delete_user(uid: int):
    db = SyncSessions()  # expect: SL103
    db.execute(text("delete from users where id = :i"), {"i": uid})
    db.commit()
    db.close()
    return {"deleted": uid}


# Bad: async endpoint with an early raise after use.
@app.put("/users/{uid}")
async def replace_user(uid: int, payload: dict):
    adb = AsyncSessions()  # expect: SL103
    try:
        row = await adb.get(dict, uid)
    except Exception:
        await adb.close()
        raise
    if row is None:
        raise HTTPException(404)
    await adb.close()
    return row


# Good: async endpoint with async with and an early raise inside it.
@app.patch("/users/{uid}")
async def patch_user(uid: int):
    async with AsyncSessions() as adb:
        row = await adb.get(dict, uid)
        if row is None:
            raise HTTPException(404)
        return row


# Good: asyncpg pool on app.state, async with acquire.
@app.get("/health")
async def health(request: Request):
    async with request.app.state.pool.acquire() as conn:
        return await conn.fetchval("select 1")


# Good: lifespan-style pool creation and close.
async def make_pool():
    return await asyncpg.create_pool("postgresql://u@db/u")


# Good: websocket endpoint with a borrowed session.
@app.websocket("/ws")
async def ws(websocket, db: ADB):
    await websocket.accept()
    await db.execute(text("select 1"))


# Bad: api_route endpoint with a connection from an asyncpg connect, closed only when no error.
@app.api_route("/sync", methods=["POST"])
async def sync_users():
    conn = await asyncpg.connect("postgresql://u@db/u")  # expect: SL103
    await conn.execute("select 1")
    await conn.close()


app.include_router(users)
