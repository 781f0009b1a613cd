# SL105: releasing a resource the function only borrows, where its owner
# still uses it afterwards (a provider that commits after the yield: the
# endpoint's close() discarded the pending writes, so the commit commits
# nothing and the client's write is lost) or releases it again harmfully (a
# pool: two returns).  Closing a borrowed session whose provider only closes
# it is fine (FastAPI's own docs do it).  Reported on the release call.
import os
from contextlib import contextmanager
from typing import Annotated

import psycopg2
from fastapi import APIRouter, Depends, FastAPI
from psycopg2.pool import ThreadedConnectionPool
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Comment, Order, OrderLog, Post, Vote
from app.schemas import CommentIn, OrderIn, VoteIn

DSN = os.environ["DATABASE_DSN"]
engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
async_engine = create_async_engine(os.environ["ASYNC_DATABASE_URL"])
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)
pg_pool = ThreadedConnectionPool(1, 20, DSN)
app = FastAPI()
router = APIRouter(prefix="/api")


# a provider that commits after the yield (unit of work per request).
def get_db_tx():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


# a provider that only closes (the FastAPI docs' get_db).
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


# SessionLocal.begin() commits at the end of its block: after the yield.
def get_db_begin():
    with SessionLocal.begin() as db:  # expect: SL204
        yield db


async def get_session_tx():
    async with AsyncSessionLocal() as session:
        async with session.begin():  # expect: SL204
            yield session


# a pooled connection returned by its provider.
def get_pooled_conn():
    conn = pg_pool.getconn()
    try:
        yield conn
    finally:
        pg_pool.putconn(conn)


# a psycopg2 connection committed after the yield.
def get_pg_conn():
    conn = psycopg2.connect(DSN)
    try:
        yield conn
        conn.commit()  # expect: SL204
    finally:
        conn.close()


TxSession = Annotated[Session, Depends(get_db_tx)]
PlainSession = Annotated[Session, Depends(get_db)]


# the endpoint closes the session before get_db_tx commits: the order is
# discarded and the client is told it was placed.
@app.post("/orders")
def place_order(order: OrderIn, db: Session = Depends(get_db_tx)):
    db.add(Order(**order.model_dump()))
    db.close()  # expect: SL105
    return {"ok": True}


# the same through an Annotated alias on a router.
@router.post("/comments")
def add_comment(comment: CommentIn, db: TxSession):
    db.add(Comment(**comment.model_dump()))
    db.close()  # expect: SL105
    return {"ok": True}


# SessionLocal.begin() in the provider commits after the endpoint's close.
@app.post("/votes")
def cast_vote(vote: VoteIn, db: Session = Depends(get_db_begin)):
    db.add(Vote(**vote.model_dump()))
    db.close()  # expect: SL105
    return {"ok": True}


# async: session.begin() in the provider commits after the yield.
@app.post("/posts/{post_id}/publish")
async def publish(post_id: int, session: AsyncSession = Depends(get_session_tx)):
    post = await session.get(Post, post_id)
    post.published = True
    await session.close()  # expect: SL105
    return {"ok": True}


# a pooled connection put back by the endpoint and again by its provider:
# two returns, and two requests may share the connection.
@app.get("/stats")
def stats(conn=Depends(get_pooled_conn)):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM orders")
        (n,) = cur.fetchone()
    pg_pool.putconn(conn)  # expect: SL105
    return {"orders": n}


# the provider's commit after the yield raises InterfaceError on the
# connection the endpoint closed.
@router.delete("/posts/{post_id}")
def delete_post(post_id: int, conn=Depends(get_pg_conn)):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM posts WHERE id = %s", (post_id,))
    conn.close()  # expect: SL105
    return {"deleted": post_id}


@contextmanager
def pooled():
    conn = pg_pool.getconn()
    try:
        yield conn
    finally:
        pg_pool.putconn(conn)


# the with block's provider returns the connection itself.
def count_posts():
    with pooled() as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM posts")
            n = cur.fetchone()[0]
        pg_pool.putconn(conn)  # expect: SL105
    return n


# quiet: the provider only closes; closing early is legitimate.
@app.get("/orders/{order_id}")
def read_order(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    db.close()
    return order


# quiet: the same through the alias.
@router.get("/comments")
def list_comments(db: PlainSession):
    comments = db.scalars(select(Comment)).all()
    db.close()
    return comments


# quiet: committing or rolling back a borrowed session is not a release.
@app.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int, db: Session = Depends(get_db_tx)):
    order = db.get(Order, order_id)
    if order is None:
        db.rollback()
        return {"ok": False}
    order.status = "cancelled"
    db.commit()
    return {"ok": True}


# quiet: the endpoint closes a session it opened itself, next to a
# borrowed one it leaves alone.
@app.get("/orders/{order_id}/audit")
def order_audit(order_id: int, db: Session = Depends(get_db_tx)):
    audit_db = SessionLocal()
    try:
        log = audit_db.scalars(select(OrderLog).where(OrderLog.order_id == order_id)).all()
        return {"order": db.get(Order, order_id), "log": log}  # expect: SL206
    finally:
        audit_db.close()


app.include_router(router)


# a helper that puts back the connection its callers borrowed from the
# provider: one finding, where the helper releases it (the fix goes there),
# not another at each endpoint that calls it.
def finish_report(conn, report_id):
    with conn.cursor() as cur:
        cur.execute("UPDATE reports SET done = true WHERE id = %s", (report_id,))
    pg_pool.putconn(conn)  # expect: SL105 "its provider"


@app.post("/reports/{report_id}/done")
def mark_done(report_id: int, conn=Depends(get_pooled_conn)):
    finish_report(conn, report_id)
    return {"done": report_id}


@app.post("/reports/{report_id}/redo")
def redo_report(report_id: int, conn=Depends(get_pooled_conn)):
    finish_report(conn, report_id)
    return {"redo": report_id}
