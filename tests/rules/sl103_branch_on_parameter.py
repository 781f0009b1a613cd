# A branch on a plain parameter (`if not dry_run:`) is open both ways.  The
# summary run stands a resource in for each parameter, and a resource is
# truthy, so there `if not dry_run:` looks never taken: the check pass must
# still walk what such a branch holds.
from asyncpg import Pool
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker()


def record(session: Session) -> None:
    session.execute(text("INSERT INTO audit DEFAULT VALUES"))


def close_quietly(session) -> None:
    if session:
        session.close()


def sync_users(dry_run: bool) -> None:
    if not dry_run:
        session = SessionLocal()  # expect: SL103
        record(session)
        session.close()


async def mark_favorite(pool: Pool, favorite: bool) -> None:
    if not favorite:
        conn = await pool.acquire()  # expect: SL103
        await conn.execute("INSERT INTO favorites DEFAULT VALUES")
        await pool.release(conn)


def sync_users_guarded(dry_run: bool) -> None:
    # quiet: closed on every path, by a helper whose own test of its
    # parameter holds for any session
    if not dry_run:
        session = SessionLocal()
        try:
            record(session)
        finally:
            close_quietly(session)
