# Blind cases for issue 12, point 1: where engines, sessionmakers and
# sessions come from when a project builds them through functions instead of
# a module-level `SessionLocal = sessionmaker(...)`: a module placeholder
# filled by a getter under `global`, `@lru_cache` getters, getters that
# return the factory itself, conditionals, functions returning a fresh
# session through several layers, properties and methods of a Database
# object, `Session(x)` / `Session(bind=x)` on each of them, and a
# `global db; db = Session(engine)` filled at startup and read by requests.
#
# Bad cases are SL103 on the acquisition (the session or connection is used,
# then closed on the normal path only), and SL201 on the global assignment.
# Quiet ones are the same code with `with` or try/finally, and engines and
# factories, which are made to be shared and need no release.
import os
from functools import lru_cache
from typing import Optional

from fastapi import APIRouter, FastAPI, HTTPException
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

app = FastAPI()
router = APIRouter(prefix="/admin")

PRIMARY_URL = os.environ["DATABASE_URL"]
REPLICA_URL = os.environ.get("REPLICA_DATABASE_URL", PRIMARY_URL)
TENANTS = {"acme", "globex", "initech"}

# --- sources -----------------------------------------------------------------

_engine: Optional[Engine] = None


def get_engine() -> Engine:
    """The process-wide engine, made on first use."""
    global _engine
    if _engine is None:
        _engine = create_engine(PRIMARY_URL, pool_pre_ping=True, pool_size=10)
    return _engine


@lru_cache
def get_replica_engine() -> Engine:
    return create_engine(REPLICA_URL, pool_pre_ping=True)


@lru_cache(maxsize=None)
def get_session_factory() -> sessionmaker:
    return sessionmaker(bind=get_engine(), autoflush=False, expire_on_commit=False)


def get_session():
    """Returns the session *factory*; callers call it for a session."""
    return get_session_factory()


def engine_for(readonly: bool) -> Engine:
    return get_replica_engine() if readonly else get_engine()


def new_session() -> Session:
    return get_session_factory()()


def tenant_session(tenant: str) -> Session:
    if tenant not in TENANTS:
        raise HTTPException(status_code=404, detail="unknown tenant")
    return new_session()


class Database:
    def __init__(self, url: str) -> None:
        self._engine = create_engine(url, pool_pre_ping=True)
        self._factory = sessionmaker(bind=self._engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def session_factory(self) -> sessionmaker:
        return self._factory

    def session(self) -> Session:
        return self._factory()


database = Database(PRIMARY_URL)


class ReportJob:
    """Holds the factory it was built with and makes sessions from it."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self.session_factory = session_factory

    def run(self, report_id: int) -> None:
        session = self.session_factory()  # expect: SL103
        session.execute(text("UPDATE reports SET state = 'running' WHERE id = :id"), {"id": report_id})
        session.execute(text("SELECT build_report(:id)"), {"id": report_id})
        session.commit()
        session.close()

    def run_safely(self, report_id: int) -> None:
        with self.session_factory() as session:
            session.execute(text("UPDATE reports SET state = 'running' WHERE id = :id"), {"id": report_id})
            session.execute(text("SELECT build_report(:id)"), {"id": report_id})
            session.commit()


report_job = ReportJob(get_session_factory())

# --- Session(x) and Session(bind=x) on a getter's engine ----------------------


@router.post("/reindex")
def reindex():
    session = Session(get_engine())  # expect: SL103
    session.execute(text("REINDEX TABLE products"))
    session.commit()
    session.close()
    return {"ok": True}


@router.post("/analyze")
def analyze():
    with Session(get_engine()) as session:
        session.execute(text("ANALYZE products"))
        session.commit()
    return {"ok": True}


@router.get("/replica-lag")
def replica_lag():
    session = Session(bind=get_replica_engine())  # expect: SL103
    lag = session.execute(text("SELECT now() - pg_last_xact_replay_timestamp()")).scalar()
    session.close()
    return {"lag": str(lag)}


@router.get("/replica-lag-safe")
def replica_lag_safe():
    session = Session(bind=get_replica_engine())
    try:
        lag = session.execute(text("SELECT now() - pg_last_xact_replay_timestamp()")).scalar()
    finally:
        session.close()
    return {"lag": str(lag)}


# --- the cached sessionmaker and the getter that returns it ------------------


@router.post("/orders/{order_id}/archive")
def archive_order(order_id: int):
    factory = get_session_factory()
    db = factory()  # expect: SL103
    db.execute(text("INSERT INTO archived_orders SELECT * FROM orders WHERE id = :id"), {"id": order_id})
    db.execute(text("DELETE FROM orders WHERE id = :id"), {"id": order_id})
    db.commit()
    db.close()
    return {"archived": order_id}


@router.post("/orders/{order_id}/unarchive")
def unarchive_order(order_id: int):
    session_factory = get_session()
    db = session_factory()  # expect: SL103
    db.execute(text("INSERT INTO orders SELECT * FROM archived_orders WHERE id = :id"), {"id": order_id})
    db.commit()
    db.close()
    return {"restored": order_id}


@router.post("/orders/{order_id}/touch")
def touch_order(order_id: int):
    session_factory = get_session()
    with session_factory() as db:
        db.execute(text("UPDATE orders SET updated_at = now() WHERE id = :id"), {"id": order_id})
        db.commit()
    return {"touched": order_id}


@router.post("/orders/{order_id}/lock")
def lock_order(order_id: int):
    with get_session_factory().begin() as db:
        db.execute(text("SELECT 1 FROM orders WHERE id = :id FOR UPDATE"), {"id": order_id})
    return {"locked": order_id}


# --- a conditional engine ------------------------------------------------------


@router.get("/orders/count")
def count_orders(readonly: bool = True):
    conn = engine_for(readonly).connect()  # expect: SL103
    n = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    conn.close()
    return {"count": n}


@router.get("/orders/count-safe")
def count_orders_safe(readonly: bool = True):
    with engine_for(readonly).connect() as conn:
        return {"count": conn.execute(text("SELECT count(*) FROM orders")).scalar_one()}


@router.post("/orders/vacuum")
def vacuum_orders(readonly: bool = False):
    session = Session(bind=engine_for(readonly))  # expect: SL103
    session.execute(text("DELETE FROM orders WHERE state = 'draft' AND created_at < now() - interval '1 day'"))
    session.commit()
    session.close()
    return {"ok": True}


@router.post("/orders/vacuum-safe")
def vacuum_orders_safe(readonly: bool = False):
    with Session(bind=engine_for(readonly)) as session:
        session.execute(text("DELETE FROM orders WHERE state = 'draft' AND created_at < now() - interval '1 day'"))
        session.commit()
    return {"ok": True}


# --- a fresh session through two layers of functions -------------------------


@router.get("/tenants/{tenant}/users")
def tenant_users(tenant: str):
    db = tenant_session(tenant)  # expect: SL103
    rows = db.execute(text("SELECT id, email FROM users WHERE tenant = :t"), {"t": tenant}).all()
    db.close()
    return [{"id": r.id, "email": r.email} for r in rows]


@router.get("/tenants/{tenant}/plans")
def tenant_plans(tenant: str):
    db = tenant_session(tenant)
    try:
        rows = db.execute(text("SELECT id, name FROM plans WHERE tenant = :t"), {"t": tenant}).all()
    finally:
        db.close()
    return [{"id": r.id, "name": r.name} for r in rows]


# --- a Database object: a property, a method returning the factory, a method
# returning a session ------------------------------------------------------------


@router.get("/db/size")
def database_size():
    conn = database.engine.connect()  # expect: SL103
    size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    conn.close()
    return {"bytes": size}


@router.get("/db/size-safe")
def database_size_safe():
    with database.engine.connect() as conn:
        return {"bytes": conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()}


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: int):
    db = database.session()  # expect: SL103
    db.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": user_id})
    db.commit()
    db.close()
    return {"deactivated": user_id}


@router.post("/users/{user_id}/activate")
def activate_user(user_id: int):
    with database.session() as db:
        db.execute(text("UPDATE users SET active = true WHERE id = :id"), {"id": user_id})
        db.commit()
    return {"activated": user_id}


@router.post("/users/{user_id}/verify")
def verify_user(user_id: int):
    db = database.session_factory()()  # expect: SL103
    db.execute(text("UPDATE users SET verified = true WHERE id = :id"), {"id": user_id})
    db.commit()
    db.close()
    return {"verified": user_id}


@router.post("/users/{user_id}/purge")
def purge_user(user_id: int):
    db = Session(bind=database.engine)  # expect: SL103
    db.execute(text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    db.commit()
    db.close()
    return {"purged": user_id}


@router.post("/reports/{report_id}/run")
def run_report(report_id: int):
    report_job.run_safely(report_id)
    return {"done": report_id}


# --- quiet: engines and factories from getters are shared by design -----------


@router.get("/health")
def health():
    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"ok": True, "pool": engine.pool.status()}


@router.get("/pool")
def pool_status():
    factory = get_session_factory()
    return {"bind": str(factory.kw["bind"].url.host)}


# --- a global session filled at startup and read by requests: SL201 -----------

shared_db: Optional[Session] = None


@app.on_event("startup")
def open_shared_session() -> None:
    global shared_db
    shared_db = Session(get_engine())  # expect: SL201


@app.on_event("startup")
def warm_engine() -> None:
    # quiet: a global engine is what startup is for
    global _engine
    _engine = create_engine(PRIMARY_URL, pool_pre_ping=True, pool_size=10)


@router.get("/settings/{key}")
def read_setting(key: str):
    return {"value": shared_db.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar()}


@app.on_event("shutdown")
def close_shared_session() -> None:
    if shared_db is not None:
        shared_db.close()


app.include_router(router)
