"""SL304 advisory-lock-past-connection: a session-level advisory lock taken
through a Session stays on the pooled connection that took it when the
session commits, and the unlock that follows runs on another connection.

The page's bad reindex() takes pg_advisory_lock through a Session, commits
its work, and unlocks in a finally, on a pool of two warm connections (the
pool hands them out in turn, as a busy pool does).  The commit gives the
first connection back; the unlock checks out the second, where it holds
nothing: pg_advisory_unlock returns false.  Afterwards the lock is still
taken, by an idle connection in the pool: pg_locks shows it, and another
client's pg_try_advisory_lock gets false.  The fixed reindex() takes
pg_advisory_xact_lock, which the commit releases: the other client gets
the lock.
"""
# needs: sqlalchemy psycopg2
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0)
SessionLocal = sessionmaker(bind=engine)
unlocked = []  # what each pg_advisory_unlock returned


# The page's bad example.
def reindex(dataset_id: int) -> None:
    with SessionLocal() as session:
        session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": dataset_id})  # expect: SL304
        try:
            session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
            session.commit()
        finally:
            unlocked.append(session.execute(text("SELECT pg_advisory_unlock(:k)"),
                                            {"k": dataset_id}).scalar())


# The page's fixed example.
def reindex_fixed(dataset_id: int) -> None:
    with SessionLocal() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": dataset_id})
        session.execute(text("DELETE FROM documents WHERE dataset_id = :d"), {"d": dataset_id})
        session.commit()


def warm_pool():
    """Both connections of the pool opened and back in it."""
    a, b = engine.connect(), engine.connect()
    a.close()
    b.close()


def others_can_lock(key):
    """Can another client take the lock now?  (It lets it go at once.)"""
    conn = proof.admin()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
            got = cur.fetchone()[0]
            if got:
                cur.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return got
    finally:
        conn.close()


def advisory_holders(key):
    """States of the backends that hold the advisory lock on key."""
    return proof.query(
        "SELECT a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %s", (key,))


def body(p):
    proof.query("CREATE TABLE documents (dataset_id int NOT NULL, body text)")
    warm_pool()

    reindex_fixed(11)
    p.check(others_can_lock(11), "fixed: another client cannot take the lock")
    p.check(advisory_holders(11) == [], "fixed: held by %r" % advisory_holders(11))
    p.fixed("pg_advisory_xact_lock: the commit releases it; another client takes it at once")

    reindex(7)
    p.check(unlocked == [False], "bad: pg_advisory_unlock returned %r" % unlocked)
    holders = advisory_holders(7)
    p.check(holders == [("idle",)], "bad: the lock's holders: %r" % holders)
    p.check(not others_can_lock(7), "bad: another client took the lock")
    p.bad("pg_advisory_unlock returned false (another connection); after reindex() returned the "
          "lock is held by an idle pooled connection and another client's "
          "pg_try_advisory_lock gets false")
    engine.dispose()
    p.check(others_can_lock(7), "bad: the lock outlived the pool's connections")
    p.lint()


proof.run("SL304", body)
