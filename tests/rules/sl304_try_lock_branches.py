# SL304 and pg_try_advisory_lock: the try-lock answers whether it got the lock,
# and the lock is held only where that answer is true.  A test of the answer
# (the expression itself, negated, or the local it is bound to, or what a
# project helper that runs the try-lock returns) is a branch fact of the
# dataflow: a session given back on the side where the answer is false holds
# no lock.  A session stored where it outlives the function (a global, an
# attribute) takes the lock with it.
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
SessionLocal = sessionmaker(bind=engine)
aengine = create_async_engine("postgresql+asyncpg://app@db/app", pool_size=5)
AsyncSessionLocal = async_sessionmaker(aengine, expire_on_commit=False)

_leader = None
JOB_KEY = 4242


# Quiet for SL304: a leader election.  On failure the session is closed (no
# lock); on success it is kept in a global and the local cleared, so the
# finally closes nothing that holds the lock.  The dialect test and its
# repetition agree.  (SL207: it is kept in the try-lock's transaction.)
async def elect() -> bool:
    global _leader
    candidate = None
    won = False
    try:
        async with AsyncSessionLocal() as probe:
            dialect = probe.get_bind().dialect.name
        if dialect != "postgresql":
            won = True
        else:
            candidate = AsyncSessionLocal()
            res = await candidate.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": JOB_KEY})
            won = res.scalar()
        if not won:
            if candidate is not None:
                await candidate.close()
            return False
        if dialect == "postgresql":
            _leader = candidate  # expect: SL207 "`candidate` is stored in `_leader`"
            candidate = None
        return True
    finally:
        if candidate:
            await candidate.close()


# Quiet: the answer tested where it is read; the failed side rolls back.
def sweep_once() -> int:
    with SessionLocal() as session:
        if not session.execute(select(func.pg_try_advisory_lock(7))).scalar():
            session.rollback()
            return 0
        try:
            return session.execute(text("DELETE FROM expired")).rowcount
        finally:
            session.execute(select(func.pg_advisory_unlock(7)))


# Quiet: the first column of the first row, through the result's local.
def compact(key: int) -> None:
    with engine.connect() as conn:
        result = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        granted = result.fetchone()[0]
        if not granted:
            conn.close()
            return
        conn.execute(text("VACUUM marks"))
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


async def try_leadership(session) -> bool:
    got = (await session.execute(text("SELECT pg_try_advisory_lock(99)"))).scalar()
    return bool(got)


class Coordinator:
    def __init__(self):
        self.session = None

    # Quiet: a helper runs the try-lock and returns its answer; the session
    # that did not get it is closed, the one that did is kept on the object.
    async def start(self) -> bool:
        session = AsyncSessionLocal()
        try:
            won = await try_leadership(session)
        except BaseException:
            await session.close()
            raise
        if not won:
            await session.close()
            return False
        self.session = session
        return True


# Bad: the helper's answer is true on this branch, and the commit hands the
# connection back with the lock.
async def run_batch() -> None:
    session = AsyncSessionLocal()
    try:
        if await try_leadership(session):  # expect: SL304 "by `try_leadership()`"
            await session.execute(text("UPDATE batches SET state = 'running'"))
            await session.commit()
            await session.execute(text("SELECT pg_advisory_unlock(99)"))
    finally:
        await session.close()


# Bad: the held branch closes without an unlock.
def rotate(key: int) -> None:
    session = SessionLocal()
    try:
        ok = session.scalar(select(func.pg_try_advisory_lock(key)))  # expect: SL304 "it is closed on line 121"
        if ok:
            session.execute(text("UPDATE keys SET rotated = now()"))
    finally:
        session.close()


# Bad: `not (ok and ready)` is true where ok may be true: the rollback may
# give back a connection that holds the lock.
def refresh(key: int, ready: bool) -> None:
    with SessionLocal() as session:
        ok = session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()  # expect: SL304 "it rolls back on line 130"
        if not (ok and ready):
            session.rollback()
            return
        session.execute(text("REFRESH MATERIALIZED VIEW stats"))
        session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
