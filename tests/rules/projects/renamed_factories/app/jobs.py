from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from app.session import close_session, create_session, new_session
from app.session import create_session as make


def cleanup_cache():
    session = create_session()  # expect: SL103
    session.execute(text("DELETE FROM cache"))
    session.commit()


def count_users():
    session = make()  # expect: SL103
    return session.execute(text("SELECT count(*) FROM users")).scalar_one()


def count_items():
    session = new_session()  # expect: SL103
    return session.execute(text("SELECT count(*) FROM items")).scalar_one()


def count_orders():
    session = make()
    try:
        return session.execute(text("SELECT count(*) FROM orders")).scalar_one()
    finally:
        close_session(session)


async def refresh_stats():
    # run_in_threadpool(f, x) is f(x) on a worker thread: it makes the
    # session, and the release through it counts.
    session = await run_in_threadpool(create_session)  # expect: SL103 "if the call on line"
    await run_in_threadpool(session.execute, text("SELECT 1"))
    try:
        await run_in_threadpool(session.execute, text("REFRESH MATERIALIZED VIEW stats"))
    finally:
        await run_in_threadpool(close_session, session)


async def refresh_stats_safe():
    session = await run_in_threadpool(create_session)
    try:
        await run_in_threadpool(session.execute, text("REFRESH MATERIALIZED VIEW stats"))
    finally:
        await run_in_threadpool(close_session, session)
