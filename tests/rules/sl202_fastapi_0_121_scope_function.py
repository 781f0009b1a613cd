# args: --fastapi-version 0.121
# SL202 outlives-owner with `Depends(f, scope="function")` (FastAPI 0.121+):
# the dependency's exit code runs right after the endpoint returns, before
# the response, background tasks and streamed bodies.  The same dependency
# with the default scope="request" keeps the session open until the response
# is fully sent.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the line of the hand-off call.
import os
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from app.models import Post, View

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


async def get_adb():
    async with AsyncSessionLocal() as session:
        yield session


FnDB = Annotated[Session, Depends(get_db, scope="function")]
ReqDB = Annotated[Session, Depends(get_db)]
FnADB = Annotated[AsyncSession, Depends(get_adb, scope="function")]


def count_view(db: Session, post_id: int) -> None:
    db.add(View(post_id=post_id))
    db.commit()


async def count_view_async(session: AsyncSession, post_id: int) -> None:
    session.add(View(post_id=post_id))
    await session.commit()


def count_view_by_id(post_id: int) -> None:
    with SessionLocal() as db:
        db.add(View(post_id=post_id))
        db.commit()


def post_lines(db: Session):
    for post in db.scalars(select(Post)):
        yield f"{post.id}\t{post.title}\n"


async def post_lines_async(session: AsyncSession):
    for post in await session.scalars(select(Post)):
        yield f"{post.id}\t{post.title}\n"


# Bad: scope="function" closes the session before the background task runs.
@app.get("/posts/{post_id}")
def read_post(post_id: int, background_tasks: BackgroundTasks, db: FnDB):
    post = db.get(Post, post_id)
    background_tasks.add_task(count_view, db, post_id)  # expect: SL202
    return post


# Bad: the same with Depends(..., scope="function") written inline.
@app.get("/posts/{post_id}/json")
def read_post_json(post_id: int, db: Session = Depends(get_db, scope="function")):
    return JSONResponse({"id": post_id}, background=BackgroundTask(count_view, db, post_id))  # expect: SL202


# Bad: a streamed body after a scope="function" dependency exited.
@app.get("/posts.tsv")
def export_posts(db: FnDB):
    return StreamingResponse(post_lines(db), media_type="text/tab-separated-values")  # expect: SL202


# Bad: async session, async generator body.
@app.get("/posts-async.tsv")
async def export_posts_async(session: FnADB):
    return StreamingResponse(post_lines_async(session), media_type="text/tab-separated-values")  # expect: SL202


# Bad: async session in a background task.
@app.post("/posts/{post_id}/like")
async def like_post(post_id: int, background_tasks: BackgroundTasks, session: FnADB):
    background_tasks.add_task(count_view_async, session, post_id)  # expect: SL202
    return {"ok": True}


# Quiet: default scope="request": the session lives until the response and
# its background tasks are done.
@app.get("/posts/{post_id}/default")
def read_post_default(post_id: int, background_tasks: BackgroundTasks, db: ReqDB):
    background_tasks.add_task(count_view, db, post_id)
    return db.get(Post, post_id)


# Quiet: default scope, streamed body.
@app.get("/posts-default.tsv")
def export_posts_default(db: ReqDB):
    return StreamingResponse(post_lines(db), media_type="text/tab-separated-values")


# Quiet: scope="function", but the task only gets the id.
@app.get("/posts/{post_id}/ids")
def read_post_ids(post_id: int, background_tasks: BackgroundTasks, db: FnDB):
    background_tasks.add_task(count_view_by_id, post_id)
    return db.get(Post, post_id)
