"""SL208 pool-across-fork: a forked worker takes a connection of the pool it
inherited from a parent that used it, and talks to the parent's server
session over the parent's socket.

The page's bad load_all() reads through the engine, which leaves one open
connection in its pool, then forks workers (multiprocessing, start method
fork) that run a query through the same engine.  Each worker reports the
server process that answered it (pg_backend_pid()): it is the parent's
own, so parent and worker share one server session and one socket.  The
fixed load_all() gives the pool an initializer that calls
engine.dispose(close=False): the workers open server sessions of their own.
"""
# needs: sqlalchemy psycopg2
import multiprocessing

from sqlalchemy import create_engine, text

import proof

engine = create_engine("postgresql+psycopg2://", pool_size=1, max_overflow=0)


def backend_pid() -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def load_file(path: str) -> int:
    """The worker: one statement through the engine; the server pid it met."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO files (path) VALUES (:p)"), {"p": path})
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


seen = {}


# The page's bad example.
def load_all(paths: list) -> None:
    seen["parent"] = backend_pid()
    with multiprocessing.get_context("fork").Pool(processes=1) as pool:
        seen["workers"] = pool.map(load_file, paths)  # expect: SL208


def _reset_pool() -> None:
    engine.dispose(close=False)  # the inherited connections stay the parent's


# The page's fixed example.
def load_all_fixed(paths: list) -> None:
    seen["parent"] = backend_pid()
    with multiprocessing.get_context("fork").Pool(processes=1, initializer=_reset_pool) as pool:
        seen["workers"] = pool.map(load_file, paths)


def body(p):
    proof.query("CREATE TABLE files (path text NOT NULL)")

    load_all_fixed(["a.sql"])
    parent, workers = seen["parent"], seen["workers"]
    p.check(workers and all(w != parent for w in workers),
            "fixed: worker pids %r, parent %r" % (workers, parent))
    p.fixed("dispose(close=False) in the pool's initializer: the worker's own server session "
            "(pid %d; the parent's is %d)" % (workers[0], parent))
    engine.dispose()

    load_all(["b.sql"])
    parent, workers = seen["parent"], seen["workers"]
    p.check(workers == [parent], "bad: worker pids %r, parent %r" % (workers, parent))
    rows = proof.query("SELECT count(*) FROM files")[0][0]
    p.check(rows == 2, "bad: %r rows" % rows)
    p.bad("the forked worker's statements ran on the parent's server session (pg_backend_pid "
          "%d in both): one socket, two processes" % parent)
    engine.dispose(close=False)  # the shared socket: not closed from here
    p.lint()


proof.run("SL208", body)
