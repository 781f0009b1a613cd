"""SL107 async-implicit-io: an AsyncSession's ORM object read without await
where the read must load from the database.

The page's bad endpoint (AsyncSession on asyncpg, the default
expire_on_commit=True) adds a player, commits and reads player.id: the
commit expired it, the read needs a SELECT that only an await can run, and
the request fails with MissingGreenlet (a 500) after the row was committed.
The proof serves it as an ASGI server does and then looks in the table: the
row is there, and a client that retries writes it again.  The fixed endpoint
refreshes the player with an await after the commit: 200 with the id.  The
same for a relationship loaded on first read: a player's team read after
session.get() raises MissingGreenlet; loaded with selectinload it does not.
And through a dependency and a rollback, with expire_on_commit=False: a
`current_player` dependency loads the player through `Depends(get_keep_db)`,
the endpoint gets the same session (FastAPI's per-request cache), rolls it
back on a refused code and reads player.name: the rollback expired it, so
the read raises MissingGreenlet.  Reading the name before the rollback
answers 400 with it.
"""
# needs: sqlalchemy psycopg2 asyncpg fastapi
import gc
import json
import warnings

from fastapi import Depends, FastAPI
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, relationship, selectinload, sessionmaker

import proof

async_engine = create_async_engine("postgresql+asyncpg://")
AsyncSessionLocal = sessionmaker(async_engine, class_=AsyncSession)  # expire_on_commit=True
Base = declarative_base()


class Team(Base):
    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class Player(Base):
    __tablename__ = "players"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    team_id = Column(Integer, ForeignKey("teams.id"))
    team = relationship(Team)  # lazy="select", the default


async def get_db():
    async with AsyncSessionLocal() as db:
        yield db


# The page's bad example.
app = FastAPI()


@app.post("/players")
async def create_player(name: str, db: AsyncSession = Depends(get_db)):
    player = Player(name=name)
    db.add(player)
    await db.commit()
    return {"id": player.id}  # expired by the commit  # expect: SL107


# The page's fixed example.
app_fixed = FastAPI()


@app_fixed.post("/players")
async def create_player_fixed(name: str, db: AsyncSession = Depends(get_db)):
    player = Player(name=name)
    db.add(player)
    await db.commit()
    await db.refresh(player)  # loaded again, with an await
    return {"id": player.id}


# A relationship loaded on first read, and loaded with the query instead.
@app.get("/players/{player_id}/team")
async def player_team(player_id: int, db: AsyncSession = Depends(get_db)):
    player = await db.get(Player, player_id)
    return {"team": player.team.name}  # expect: SL107


@app_fixed.get("/players/{player_id}/team")
async def player_team_fixed(player_id: int, db: AsyncSession = Depends(get_db)):
    player = (await db.scalars(
        select(Player).where(Player.id == player_id).options(selectinload(Player.team))
    )).one()
    return {"team": player.team.name}


KeepSessionLocal = sessionmaker(async_engine, class_=AsyncSession, expire_on_commit=False)


async def get_keep_db():
    async with KeepSessionLocal() as db:
        yield db


async def current_player(player_id: int, db: AsyncSession = Depends(get_keep_db)):
    return await db.get(Player, player_id)


@app.post("/players/{player_id}/promo")
async def promo(code: str, player: Player = Depends(current_player),
                db: AsyncSession = Depends(get_keep_db)):
    if code != "WELCOME":
        await db.rollback()
        return {"error": "no such code for %s" % player.name}  # expect: SL107
    return {"ok": True}


@app_fixed.post("/players/{player_id}/promo")
async def promo_fixed(code: str, player: Player = Depends(current_player),
                      db: AsyncSession = Depends(get_keep_db)):
    name = player.name
    if code != "WELCOME":
        await db.rollback()
        return {"error": "no such code for %s" % name}
    return {"ok": True}


def request(app_, method, path, query=""):
    """proof.asgi_request with a query string; the engine's asyncpg
    connections belong to the request's event loop, so they go with it.
    Returns (status, body, the exception the app raised or None, the
    warnings the request left, once its exception's frames are gone)."""
    async def served(scope, receive, send):
        try:
            await app_(dict(scope, query_string=query.encode()), receive, send)
        finally:
            await async_engine.dispose()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        status, text, err = proof.asgi_request(served, method, path)
        if err is not None:
            err.__traceback__ = None  # its frames hold the coroutine await_only() got
        gc.collect()
    return status, text, err, [str(w.message) for w in seen]


def players():
    return proof.query("SELECT id, name FROM players ORDER BY id")


def body(p):
    Base.metadata.create_all(create_engine("postgresql+psycopg2://"))
    fastapi_version = proof.versions()["fastapi"]
    lint_args = ["--fastapi-version", ".".join(fastapi_version.split(".")[:2])]

    status, text, err, seen = request(app_fixed, "POST", "/players", "name=ann")
    p.check(status == 200 and err is None and not seen, "fixed: %r %r %r %r" % (
        status, text, err, seen))
    p.check(players() == [(json.loads(text)["id"], "ann")], "fixed: rows %r" % players())
    p.fixed("refresh with await: 200 %s" % text.decode())

    status, text, err, seen = request(app, "POST", "/players", "name=bob")
    p.check(isinstance(err, MissingGreenlet), "bad: %r %r %r" % (status, text, err))
    p.check(status == 500, "bad: the client got %r %r" % (status, text))
    rows = players()
    p.check(rows[1:] == [(rows[0][0] + 1, "bob")], "bad: rows %r" % rows)
    p.bad("player.id after commit: MissingGreenlet, 500, row committed", proof.exc_text(err))
    for w in seen:
        p.note("the bad request also left: RuntimeWarning: " + w)
    status, text, err, seen = request(app, "POST", "/players", "name=bob")
    bobs = [r for r in players() if r[1] == "bob"]
    p.check(status == 500 and isinstance(err, MissingGreenlet) and len(bobs) == 2,
            "bad: the retry: %r %r, rows %r" % (status, err, players()))
    p.note("the client's retry: 500 again, and a second row %r" % (bobs[1],))

    proof.query("INSERT INTO teams VALUES (1, 'reds'); UPDATE players SET team_id = 1")
    pid = rows[0][0]
    status, text, err, seen = request(app_fixed, "GET", "/players/%d/team" % pid)
    p.check(status == 200 and err is None and not seen and json.loads(text) == {"team": "reds"},
            "fixed: %r %r %r %r" % (status, text, err, seen))
    p.fixed("selectinload: 200 %s" % text.decode())
    status, text, err, seen = request(app, "GET", "/players/%d/team" % pid)
    p.check(status == 500 and isinstance(err, MissingGreenlet),
            "bad: the lazy relationship: %r %r %r" % (status, text, err))
    p.bad("lazy player.team: MissingGreenlet, 500", proof.exc_text(err))

    status, text, err, seen = request(app_fixed, "POST", "/players/%d/promo" % pid, "code=X")
    p.check(status == 200 and err is None and b"no such code for ann" in text,
            "fixed: the promo: %r %r %r" % (status, text, err))
    p.fixed("name read before the rollback: 200 %s" % text.decode())
    status, text, err, seen = request(app, "POST", "/players/%d/promo" % pid, "code=X")
    p.check(status == 500 and isinstance(err, MissingGreenlet),
            "bad: the promo: %r %r %r" % (status, text, err))
    p.bad("the dependency's player read after the endpoint's rollback "
          "(expire_on_commit=False): MissingGreenlet, 500", proof.exc_text(err))
    p.lint(lint_args)


proof.run("SL107", body)
