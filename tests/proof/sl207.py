"""SL207 held-while-waiting: a session that queried keeps its pooled
connection, idle in its transaction, while the code sleeps.

The page's bad wait_for_approval() polls a row and sleeps between reads
without ending the transaction.  Two of them run at once on a pool of two
connections (pool_timeout 1 s): while they sleep, pg_stat_activity shows
both connections `idle in transaction`, and a third user of the pool (one
quick read) fails with the pool's timeout.  The fixed wait_for_approval()
commits after each read: during the sleeps both connections are back in
the pool and the quick read gets one at once.
"""
# needs: sqlalchemy psycopg2
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=2, max_overflow=0, pool_timeout=1)
SessionLocal = sessionmaker(bind=engine)
POLLS = 3


# The page's bad example.
def wait_for_approval(challenge_id: int) -> bool:
    with SessionLocal() as db:
        for _ in range(POLLS):
            status = db.execute(text("SELECT status FROM challenges WHERE id = :i"),
                                {"i": challenge_id}).scalar()
            if status == "approved":
                return True
            time.sleep(1)  # expect: SL207
    return False


# The page's fixed example.
def wait_for_approval_fixed(challenge_id: int) -> bool:
    with SessionLocal() as db:
        for _ in range(POLLS):
            status = db.execute(text("SELECT status FROM challenges WHERE id = :i"),
                                {"i": challenge_id}).scalar()
            db.commit()  # the connection goes back to the pool while it sleeps
            if status == "approved":
                return True
            time.sleep(1)
    return False


def quick_read():
    """Another user of the pool: one short read.  What it got, or the error."""
    try:
        with SessionLocal() as db:
            return db.execute(text("SELECT count(*) FROM challenges")).scalar()
    except PoolTimeout as e:
        return proof.exc_text(e)


def run(poller):
    """Two pollers at once; 0.5 s in, the server's view and a quick read."""
    threads = [threading.Thread(target=poller, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    states = sorted(s for _, s, _ in proof.sessions_holding())
    read = quick_read()
    for t in threads:
        t.join()
    return states, read


def body(p):
    proof.query("CREATE TABLE challenges (id int PRIMARY KEY, status text NOT NULL);"
                "INSERT INTO challenges VALUES (1, 'pending'), (2, 'pending')")

    states, read = run(wait_for_approval_fixed)
    p.check(read == 2, "fixed: the quick read got %r" % (read,))
    p.check("idle in transaction" not in states, "fixed: states %r" % states)
    p.fixed("commit() before each sleep: the pool's connections are idle in the pool; "
            "a third user reads at once")
    engine.dispose()

    states, read = run(wait_for_approval)
    p.check(states.count("idle in transaction") == 2, "bad: states %r" % states)
    p.check(isinstance(read, str) and "QueuePool limit" in read, "bad: the quick read got %r"
            % (read,))
    p.bad("both pooled connections idle in transaction while their pollers sleep; a third "
          "user of the pool fails: %s" % read.split("(")[0].strip())
    p.lint()


proof.run("SL207", body)
