# SL208 pool-across-fork: a forked worker starts with a copy of its parent's
# engine, pool and open connections.  When the parent has used the pool and
# the worker takes a connection of it, both speak over one socket to one
# server session.  The fix: dispose(close=False) in the worker first, or
# dispose() in the parent before it forks.
# Convention: the finding is on the call that starts the workers.
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def count_rows() -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM items")).scalar()


def load_file(path: str) -> str:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO files (path) VALUES (:p)"), {"p": path})
    return path


def refresh(item_id: int) -> None:
    with SessionLocal() as db:
        db.execute(text("UPDATE items SET seen = now() WHERE id = :i"), {"i": item_id})
        db.commit()


# Bad: the parent checked a connection out (and back into its pool) before forking.
def load_all(paths: list) -> None:
    print("rows:", count_rows())
    with multiprocessing.get_context("fork").Pool(processes=4) as pool:
        for done in pool.imap_unordered(load_file, paths):  # expect: SL208 "`load_file` runs in worker processes"
            print(done)


# Bad: the default start method, a Process, after the parent's own session.
def refresh_in_background(item_id: int) -> None:
    with SessionLocal() as db:
        db.execute(text("SELECT 1"))
    proc = multiprocessing.Process(target=refresh, args=(item_id,))  # expect: SL208
    proc.start()
    proc.join()


# Bad: a process pool executor, after the parent used the same engine.
def refresh_all(ids: list) -> None:
    count_rows()
    with ProcessPoolExecutor(max_workers=4) as executor:
        list(executor.map(refresh, ids))  # expect: SL208


def _reset_pool() -> None:
    engine.dispose(close=False)


# Quiet: each worker drops the copy of the pool it inherited.
def load_all_initialized(paths: list) -> None:
    count_rows()
    with multiprocessing.get_context("fork").Pool(4, initializer=_reset_pool) as pool:
        list(pool.imap_unordered(load_file, paths))


# Quiet: the parent closes its connections before it forks.
def load_all_disposed(paths: list) -> None:
    count_rows()
    engine.dispose()
    with multiprocessing.Pool(4) as pool:
        list(pool.map(load_file, paths))


# Quiet: spawned workers start afresh.
def load_all_spawned(paths: list) -> None:
    count_rows()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        list(pool.map(load_file, paths))


# Quiet: the parent never used the pool.
def load_all_fresh(paths: list) -> None:
    with multiprocessing.Pool(4) as pool:
        list(pool.map(load_file, paths))


def count_with_own_engine(path: str) -> int:
    own = create_engine("postgresql+psycopg2://app@db/app")
    try:
        with own.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM files")).scalar()
    finally:
        own.dispose()


# Quiet: the worker makes its own engine.
def count_all(paths: list) -> None:
    count_rows()
    with multiprocessing.Pool(4) as pool:
        list(pool.map(count_with_own_engine, paths))
