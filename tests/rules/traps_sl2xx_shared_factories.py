# Traps for SL201: what is shared across requests here is a factory or a
# pool (engines, sessionmakers, connection pools, scoped_session registries
# used from sync code), cached settings, or a per-request object that holds
# the request's own session.  No finding anywhere in this file.
import os
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated, Optional

import asyncpg
import psycopg2.pool
from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app.models import Article, Author
from app.settings import Settings

engine = create_engine(os.environ["DATABASE_URL"], pool_size=10)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
ScopedSession = scoped_session(SessionLocal)
pg_pool = psycopg2.pool.ThreadedConnectionPool(1, 10, os.environ["DATABASE_DSN"])


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
    app.state.sessions = async_sessionmaker(app.state.async_engine, expire_on_commit=False)
    app.state.pg = await asyncpg.create_pool(os.environ["DATABASE_DSN"])
    try:
        yield
    finally:
        await app.state.pg.close()
        await app.state.async_engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.on_event("startup")
def remember_engine():
    app.state.engine = engine


@lru_cache
def get_settings() -> Settings:
    return Settings()


@lru_cache
def get_engine():
    return create_engine(get_settings().database_url)


@lru_cache(maxsize=None)
def get_sessionmaker() -> sessionmaker:
    return sessionmaker(bind=get_engine(), autoflush=False)


def get_db():
    with get_sessionmaker()() as db:
        yield db


async def get_adb(request: Request):
    async with request.app.state.sessions() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
ADB = Annotated[AsyncSession, Depends(get_adb)]


# A class attribute holding the factory; each instance makes its own session.
class ArticleStore:
    factory = SessionLocal

    def titles(self):
        with self.factory() as db:
            return db.scalars(select(Article.title)).all()


# A per-request repository: the session is the request's own, stored on self.
class AuthorRepository:
    def __init__(self, db: DB):
        self.db = db

    def by_id(self, author_id: int):
        return self.db.get(Author, author_id)


def get_author_repo(db: DB) -> AuthorRepository:
    return AuthorRepository(db)


@app.get("/articles/titles")
def article_titles():
    return ArticleStore().titles()


@app.get("/authors/{author_id}")
def read_author(author_id: int, repo: AuthorRepository = Depends(get_author_repo)):
    return repo.by_id(author_id)


@app.get("/authors/{author_id}/class-dep")
def read_author_class_dep(author_id: int, repo: AuthorRepository = Depends()):
    return repo.by_id(author_id)


@app.get("/articles/{article_id}")
def read_article(article_id: int, db: DB):
    return db.get(Article, article_id)


@app.get("/articles")
async def list_articles(session: ADB):
    return (await session.scalars(select(Article).limit(20))).all()


@app.get("/health/engine")
def engine_health(request: Request):
    with request.app.state.engine.connect() as conn:
        return {"ok": conn.execute(text("SELECT 1")).scalar_one() == 1}


@app.get("/health/pg")
async def pg_health(request: Request):
    async with request.app.state.pg.acquire() as conn:
        return {"ok": await conn.fetchval("SELECT 1") == 1}


@app.get("/health/psycopg2")
def psycopg2_health():
    conn = pg_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return {"ok": cur.fetchone()[0] == 1}
    finally:
        pg_pool.putconn(conn)


# scoped_session from a sync endpoint (threadpool), removed at the end.
@app.get("/authors")
def list_authors():
    try:
        return ScopedSession.scalars(select(Author).limit(20)).all()
    finally:
        ScopedSession.remove()


# A default of None, with a session made per call when none is passed.
def count_articles(db: Optional[Session] = None) -> int:
    if db is not None:
        return db.scalar(text("SELECT count(*) FROM articles"))
    with SessionLocal() as own:
        return own.scalar(text("SELECT count(*) FROM articles"))


@app.get("/articles/count")
def articles_count():
    return {"count": count_articles()}


# A cached factory given by a dependency, not a session.
@app.get("/authors/count")
def authors_count(factory: sessionmaker = Depends(get_sessionmaker)):
    with factory() as db:
        return {"count": db.scalar(text("SELECT count(*) FROM authors"))}


# Cached settings: a cached value that is not a resource.
@app.get("/config")
def config(settings: Settings = Depends(get_settings)):
    return {"env": settings.environment}


# A background job outside any request using the scoped registry (one
# thread, removed at the end).
def nightly_cleanup() -> None:
    try:
        ScopedSession.execute(text("DELETE FROM drafts WHERE updated_at < now() - interval '30 days'"))
        ScopedSession.commit()
    finally:
        ScopedSession.remove()


# Quiet: psycopg2 and psycopg_pool connections are thread-safe (a lock
# serializes their statements; only cursors must not be shared), so threads
# or tasks sharing one are not SL203.
import asyncio
import threading

from psycopg_pool import AsyncConnectionPool

apool = AsyncConnectionPool("postgresql://app@db/app", open=False)


def count_rows(conn, table):
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def counts_threads():
    conn = pg_pool.getconn()
    try:
        first = threading.Thread(target=count_rows, args=(conn, "a"))
        second = threading.Thread(target=count_rows, args=(conn, "b"))
        first.start()
        second.start()
        first.join()
        second.join()
    finally:
        pg_pool.putconn(conn)


async def fetch_one(conn, q):
    return await (await conn.execute(q)).fetchone()


async def counts_tasks():
    async with apool.connection() as conn:
        return await asyncio.gather(fetch_one(conn, "SELECT 1"), fetch_one(conn, "SELECT 2"))
