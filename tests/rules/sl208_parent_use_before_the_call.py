# args: --sqlalchemy-version 1.4
# SL208 pool-across-fork, where the parent's use is not a session or a
# `with engine.connect()` of the function that forks: a Flask-SQLAlchemy
# object's engine and session (a pool of the app), SQLAlchemy 1.x's
# engine.execute() (a connection checked out for the statement), and a use
# the caller made before it called the function that forks.
# Convention: the finding is on the call that starts the workers; for a
# caller's use, on the caller's call of the function that forks (once per
# caller and fork).
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, text

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://reports@db/reports"
store = SQLAlchemy(app)

warehouse = create_engine("postgresql://reports@db/warehouse")


def rebuild_partition(day: str) -> int:
    return store.engine.execute(text("SELECT rebuild(:d)"), d=day).scalar()


def archive_order(order_id: int) -> None:
    store.session.execute(text("UPDATE orders SET archived = true WHERE id = :i"), {"i": order_id})
    store.session.commit()


def copy_rows(table: str) -> None:
    warehouse.execute(text("INSERT INTO mirror SELECT * FROM " + table))


def copy_rows_fresh(table: str) -> None:
    warehouse.dispose(close=False)
    warehouse.execute(text("INSERT INTO mirror SELECT * FROM " + table))


def copy_rows_own_engine(table: str) -> None:
    mine = create_engine("postgresql://reports@db/warehouse")
    with mine.connect() as conn:
        conn.execute(text("INSERT INTO mirror SELECT * FROM " + table))


def days_to_rebuild() -> list:
    rows = store.engine.execute(text("SELECT day FROM stale_days")).fetchall()
    return [r[0] for r in rows]


def tables_to_copy() -> list:
    return [r[0] for r in warehouse.execute(text("SELECT name FROM tables")).fetchall()]


# Bad: the parent ran a query through the Flask-SQLAlchemy engine, then forks.
def rebuild_stale() -> None:
    days = days_to_rebuild()
    with multiprocessing.Pool(4) as workers:
        workers.map(rebuild_partition, days)  # expect: SL208 "`rebuild_partition` runs in worker processes"


# Bad: db.session in the parent and in the worker, the pool of the same object.
def archive_all(ids: list) -> None:
    store.session.execute(text("SELECT pg_advisory_lock(42)"))
    executor = ProcessPoolExecutor(max_workers=2)
    for i in ids:
        executor.submit(archive_order, i)  # expect: SL208


# Bad: engine.execute() on both sides (SQLAlchemy 1.x).
def mirror_inline() -> None:
    names = [r[0] for r in warehouse.execute(text("SELECT name FROM tables")).fetchall()]
    multiprocessing.Pool(3).map(copy_rows, names)  # expect: SL208 "pool of `warehouse`"


# The function that forks has nothing of its own to blame.
def fan_out(names: list) -> None:
    pool = multiprocessing.Pool(processes=3)
    pool.map(copy_rows, names)


# Bad: the caller used the pool (through a helper) before it called fan_out.
def nightly_copy() -> None:
    names = tables_to_copy()
    fan_out(names)  # expect: SL208 "`fan_out` forks worker processes that run `copy_rows`"
    fan_out(["audit"])
    print("copied", len(names))


# Bad: the caller's own statement, before the call.
def copy_after_count() -> None:
    total = warehouse.execute(text("SELECT count(*) FROM tables")).scalar()
    fan_out(["t%d" % i for i in range(total)])  # expect: SL208 "already used that pool"


# Quiet: the caller disposes of the engine between its use and the fork.
def nightly_copy_disposed() -> None:
    names = tables_to_copy()
    warehouse.dispose()
    fan_out(names)


# Quiet: the caller uses the pool only after the workers are done.
def copy_then_report(names: list) -> None:
    fan_out(names)
    print(tables_to_copy())


# Quiet: the caller never touched that pool (it used the Flask one).
def copy_after_flask_query() -> None:
    days = days_to_rebuild()
    fan_out([str(d) for d in days])


def fan_out_fresh(names: list) -> None:
    with multiprocessing.Pool(3) as pool:
        pool.map(copy_rows_fresh, names)


def fan_out_own_engine(names: list) -> None:
    with multiprocessing.Pool(3) as pool:
        pool.map(copy_rows_own_engine, names)


def fan_out_spawned(names: list) -> None:
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        pool.map(copy_rows, names)


# Quiet: the worker drops the copy it inherited first thing.
def nightly_copy_fresh_workers() -> None:
    fan_out_fresh(tables_to_copy())


# Quiet: the worker makes an engine of its own.
def nightly_copy_own_engines() -> None:
    names = tables_to_copy()
    fan_out_own_engine(names)


# Quiet: spawned workers start from a new interpreter.
def nightly_copy_spawned() -> None:
    names = tables_to_copy()
    fan_out_spawned(names)


# Quiet: the parent disposes before it forks; the workers take fresh connections.
def rebuild_stale_disposed() -> None:
    days = days_to_rebuild()
    store.engine.dispose()
    with multiprocessing.Pool(4) as workers:
        workers.map(rebuild_partition, days)
