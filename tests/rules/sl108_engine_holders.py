# SL108: what holds the engine is followed through the function: session
# makers made over it, local objects bound to it, its aliases.  An engine
# that only those hold, and that nothing disposes, dies with the call and
# its pool with it, connections open.  A listener registered on the engine
# does not keep it; a context manager's yield lends it for one block.
# Convention: the finding is on the create_engine(...) call.
import copy
import os
from contextlib import contextmanager

from celery import Celery
from fastapi import FastAPI
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.orm import scoped_session, sessionmaker

DSN = os.environ["REPORTS_DSN"]
app = FastAPI()
worker = Celery("reports")
schema = MetaData()


def count_orders(region: str) -> int:
    engine = create_engine(DSN, pool_size=2)  # expect: SL108 "on every call of `count_orders`"
    make = sessionmaker(bind=engine)
    with make() as db:
        return db.execute(text("SELECT count(*) FROM orders WHERE region = :r"), {"r": region}).scalar_one()


@contextmanager
def reporting_session(dsn: str):
    pool_owner = create_engine(dsn)  # expect: SL108 "nothing disposes it"
    registry = scoped_session(sessionmaker(pool_owner, expire_on_commit=False))
    db = registry()
    try:
        yield db
        db.commit()
    finally:
        registry.remove()


def archive_tables(dsn: str) -> list:
    engine = create_engine(dsn)  # expect: SL108
    local_schema = copy.copy(schema)
    local_schema.bind = engine
    local_schema.reflect(bind=engine)
    return sorted(local_schema.tables)


def tagged_connection(tag: str):
    engine = create_engine(DSN)  # expect: SL108 "on every call of `tagged_connection`"

    @event.listens_for(engine, "connect")
    def name_it(dbapi_connection, record):
        cur = dbapi_connection.cursor()
        cur.execute("SET application_name = %s", (tag,))
        cur.close()

    return engine.connect()


def listening_engine(dsn: str):
    engine = create_engine(dsn)  # expect: SL108
    event.listen(engine, "checkout", lambda *args: None)
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar_one()


@app.get("/orders/{region}")
def orders(region: str):
    with tagged_connection("orders") as conn:
        total = conn.execute(text("SELECT 1")).scalar_one()
    return {"count": count_orders(region), "total": total, "tables": archive_tables(DSN),
            "ok": listening_engine(DSN)}


@worker.task
def nightly_totals(region: str):
    with reporting_session(DSN) as db:
        db.execute(text("UPDATE totals SET stale = false WHERE region = :r"), {"r": region})


# Quiet: the maker is handed back, and with it the engine, made once by
# the caller.
def build_factory(dsn: str):
    engine = create_engine(dsn)
    factory = sessionmaker(bind=engine)
    return factory


# Quiet: the context manager disposes of its engine when the block ends.
@contextmanager
def disposable_session(dsn: str):
    engine = create_engine(dsn)
    make = sessionmaker(bind=engine)
    db = make()
    try:
        yield db
    finally:
        db.close()
        engine.dispose()


# Quiet: the listener uses the engine itself, and lives as long as the
# caller keeps it.
def watched_engine(dsn: str):
    engine = create_engine(dsn)

    def report_size():
        return engine.pool.status()

    return report_size


# Quiet: a local object bound to the engine is handed back.
def bound_schema(dsn: str):
    engine = create_engine(dsn)
    local_schema = copy.copy(schema)
    local_schema.bind = engine
    return local_schema


@app.get("/factories")
def factories():
    with disposable_session(DSN) as db:
        db.execute(text("SELECT 1"))
    return {"f": build_factory(DSN), "w": watched_engine(DSN)(), "s": bound_schema(DSN)}


# Request code follows methods of module-level objects too: each request
# replaces the engine the object keeps.
class Warehouse:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.engine = create_engine(dsn)  # quiet: once per object

    def reconnect(self):
        self.engine = create_engine(self.dsn)  # expect: SL108 "stored in `self.engine`"


warehouse = Warehouse(DSN)


@app.post("/warehouse/reconnect")
def reconnect_warehouse():
    warehouse.reconnect()
    return {"ok": True}


# quiet: the session kept on self keeps its engine for the object's life
class LoadGenerator:
    def __init__(self, dsn: str):
        engine = create_engine(dsn)
        self.session = sessionmaker(bind=engine)()
        self.conn = create_engine(dsn).connect()


_shared = None


# made once, the first time: the global session keeps the engine (no SL108),
# though sharing one session between requests is SL201
@app.get("/shared")
def shared_total():
    global _shared
    if _shared is None:
        engine = create_engine(DSN)
        Maker = sessionmaker(bind=engine)
        _shared = Maker()  # expect: SL201
    return _shared.execute(text("SELECT sum(total) FROM orders")).scalar_one()
