# SL203 concurrent-use: one AsyncSession or asyncpg connection used by
# coroutines that run at the same time (asyncio.gather, TaskGroup,
# as_completed, wait).  An AsyncSession is not safe for concurrent use
# (SQLAlchemy raises "This session is provisioning a new connection;
# concurrent operations are not permitted" or interleaves the flushes);
# asyncpg raises "another operation is in progress".
# Convention: the finding is on the line that starts the concurrent work:
# the gather/as_completed/wait call; for a TaskGroup the second create_task
# that shares the session (the create_task line when it is in a loop).
import asyncio
import os
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.models import Comment, Post, User

async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()
router = APIRouter(prefix="/dash")


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


async def get_pg(request: Request):
    async with request.app.state.pg_pool.acquire() as conn:
        yield conn


ADB = Annotated[AsyncSession, Depends(get_adb)]
PG = Annotated[asyncpg.Connection, Depends(get_pg)]


async def count_users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User))


async def count_posts(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Post))


async def load_post(session: AsyncSession, post_id: int):
    return await session.get(Post, post_id)


async def comments_of(session: AsyncSession, post_id: int):
    return (await session.scalars(select(Comment).where(Comment.post_id == post_id))).all()


# Bad: two queries on one session at once.
@router.get("/counts")
async def counts(session: ADB):
    users, posts = await asyncio.gather(count_users(session), count_posts(session))  # expect: SL203
    return {"users": users, "posts": posts}


# Bad: a gather over a list of coroutines sharing the session.
@router.get("/posts")
async def many_posts(ids: str, session: ADB):
    return await asyncio.gather(*[load_post(session, int(i)) for i in ids.split(",")])  # expect: SL203


# Bad: the same with the coroutines built first.
@router.get("/comments")
async def many_comments(ids: str, session: ADB):
    jobs = [comments_of(session, int(i)) for i in ids.split(",")]
    return await asyncio.gather(*jobs)  # expect: SL203


# Bad: a TaskGroup with two tasks on the same session.
@router.get("/post/{post_id}")
async def post_page(post_id: int, session: ADB):
    async with asyncio.TaskGroup() as tg:
        post = tg.create_task(load_post(session, post_id))
        comments = tg.create_task(comments_of(session, post_id))  # expect: SL203
    return {"post": post.result(), "comments": comments.result()}


# Bad: a TaskGroup task per id, in a loop.
@router.get("/posts/prefetch")
async def prefetch(ids: str, session: ADB):
    tasks = []
    async with asyncio.TaskGroup() as tg:
        for i in ids.split(","):
            tasks.append(tg.create_task(load_post(session, int(i))))  # expect: SL203
    return [t.result() for t in tasks]


# Bad: as_completed over coroutines sharing the session.
@router.get("/posts/stream")
async def first_posts(ids: str, session: ADB):
    found = []
    for fut in asyncio.as_completed([load_post(session, int(i)) for i in ids.split(",")]):  # expect: SL203
        found.append(await fut)
    return found


# Bad: asyncio.wait over tasks sharing the session.
@router.get("/counts/wait")
async def counts_wait(session: ADB):
    done, _ = await asyncio.wait([asyncio.create_task(count_users(session)), asyncio.create_task(count_posts(session))])  # expect: SL203
    return [t.result() for t in done]


# Bad: one session the endpoint owns, shared by a gather.
@app.get("/report")
async def report():
    async with AsyncSessionLocal() as session:
        users, posts = await asyncio.gather(count_users(session), count_posts(session))  # expect: SL203
    return {"users": users, "posts": posts}


# Bad: one asyncpg connection used by two queries at once.
@app.get("/pg/counts")
async def pg_counts(conn: PG):
    users, posts = await asyncio.gather(  # expect: SL203
        conn.fetchval("SELECT count(*) FROM users"),
        conn.fetchval("SELECT count(*) FROM posts"),
    )
    return {"users": users, "posts": posts}


# Bad: two parameters from the same dependency are the same session
# (FastAPI caches a dependency's value within a request).
@app.get("/counts/twice")
async def counts_twice(left: ADB, right: ADB):
    users, posts = await asyncio.gather(count_users(left), count_posts(right))  # expect: SL203
    return {"users": users, "posts": posts}


# Quiet for SL203: use_cache=False gives each parameter its own session
# (two connections of one pool per request, though: SL206).
@app.get("/counts/separate")
async def counts_separate(
    left: AsyncSession = Depends(get_adb, use_cache=False),
    right: AsyncSession = Depends(get_adb, use_cache=False),
):
    users, posts = await asyncio.gather(count_users(left), count_posts(right))  # expect: SL206
    return {"users": users, "posts": posts}


# Quiet: sequential awaits on one session.
@router.get("/counts/sequential")
async def counts_sequential(session: ADB):
    users = await count_users(session)
    posts = await count_posts(session)
    return {"users": users, "posts": posts}


app.include_router(router)
