# Traps: correct FastAPI session management in the styles the FastAPI and
# SQLModel documentation and common templates use: yield dependencies with
# try/finally or with, Annotated aliases, dependencies=[...], routers,
# api_route, websockets, lifespan.  No finding anywhere in this file.
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, WebSocket
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import Session, SQLModel, create_engine, select

from app.models import Hero, Team

engine = create_engine(os.environ["DATABASE_URL"])
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


@asynccontextmanager
async def lifespan(app: FastAPI):
    SQLModel.metadata.create_all(engine)
    app.state.pg = await asyncpg.create_pool(os.environ["DATABASE_DSN"])
    try:
        yield
    finally:
        await app.state.pg.close()
        await async_engine.dispose()


app = FastAPI(lifespan=lifespan)
router = APIRouter(prefix="/teams")


# SQLModel's tutorial dependency.
def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_async_session() -> AsyncIterator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        yield session


AsyncSessionDep = Annotated[AsyncSession, Depends(get_async_session)]


# seed-example-1 style: rollback in except, close in finally.
def get_db_rollback() -> Iterator[Session]:
    session = Session(engine)
    try:
        yield session
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


async def get_pg():
    async with app.state.pg.acquire() as conn:
        yield conn


def require_database_ready(session: SessionDep):
    if session.exec(select(Team).limit(1)).first() is None:
        raise HTTPException(status_code=503)


@app.post("/heroes/")
def create_hero(hero: Hero, session: SessionDep) -> Hero:
    session.add(hero)
    session.commit()
    session.refresh(hero)
    return hero


@app.get("/heroes/{hero_id}")
def read_hero(hero_id: int, session: SessionDep) -> Hero:
    hero = session.get(Hero, hero_id)
    if not hero:
        raise HTTPException(status_code=404, detail="Hero not found")
    return hero


@app.delete("/heroes/{hero_id}")
def delete_hero(hero_id: int, session: SessionDep):
    hero = session.get(Hero, hero_id)
    if not hero:
        raise HTTPException(status_code=404, detail="Hero not found")
    session.delete(hero)
    session.commit()
    return {"ok": True}


# closing a borrowed session whose provider only rolls back and closes:
# the provider's rollback on a closed session discards nothing.
@app.get("/heroes/")
def list_heroes(session: Session = Depends(get_db_rollback)):
    heroes = session.exec(select(Hero)).all()
    session.close()
    return heroes


@router.get("/", dependencies=[Depends(require_database_ready)])
async def list_teams(session: AsyncSessionDep):
    return (await session.scalars(select(Team))).all()


@router.api_route("/{team_id}", methods=["GET", "HEAD"])
async def read_team(team_id: int, session: AsyncSessionDep):
    team = await session.get(Team, team_id)
    if team is None:
        raise HTTPException(status_code=404)
    return team


@app.get("/pg/now")
async def pg_now(conn=Depends(get_pg)):
    return {"now": await conn.fetchval("SELECT now()")}


# a websocket endpoint with its own session per message.
@app.websocket("/ws/heroes")
async def heroes_ws(websocket: WebSocket):
    await websocket.accept()
    while True:
        hero_id = int(await websocket.receive_text())
        async with AsyncSessionLocal() as session:
            hero = await session.get(Hero, hero_id)
        await websocket.send_json({"name": hero.name if hero else None})


app.include_router(router)
