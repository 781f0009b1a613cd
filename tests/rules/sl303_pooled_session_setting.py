# SL303 pooled-session-setting: a session-level setting (`SET x ...` without
# LOCAL, `set_config(..., false)`) committed on a connection of a pool stays
# on that connection when it goes back: the next request or task that gets
# it inherits the setting (a tenant for row-level security, a search_path),
# and the pool's other connections never had it (a timeout meant for all).
# Convention: the finding is on the execute() that sets it.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", future=True, pool_size=5)
SessionLocal = sessionmaker(engine, future=True)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


# Bad: start-up code meant to bound every statement reaches one connection.
def init_settings() -> None:
    with engine.connect() as conn:
        conn.execute(text("SET statement_timeout = '1s'"))  # expect: SL303
        conn.commit()


@app.on_event("startup")
def startup() -> None:
    init_settings()


# Bad: a request's tenant, committed, stays for the next request.
@app.post("/orgs/{org_id}/notes")
def add_note(org_id: int, body: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT set_config('app.current_org', :o, false)"), {"o": str(org_id)})  # expect: SL303
    db.execute(text("INSERT INTO notes (org_id, body) VALUES (:o, :b)"), {"o": org_id, "b": body})
    db.commit()


# Quiet: per transaction.
@app.post("/orgs/{org_id}/notes2")
def add_note_local(org_id: int, body: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT set_config('app.current_org', :o, true)"), {"o": str(org_id)})
    db.execute(text("SET LOCAL statement_timeout = '5s'"))
    db.execute(text("INSERT INTO notes (org_id, body) VALUES (:o, :b)"), {"o": org_id, "b": body})
    db.commit()


# Quiet: not committed, so the transaction's end takes it back.
@app.get("/orgs/{org_id}/notes")
def list_notes(org_id: int, db: Session = Depends(get_db)):
    db.execute(text("SET search_path TO org_data"))
    return db.execute(text("SELECT body FROM notes")).scalars().all()


# Quiet: transaction-level statements.
def serializable(db: Session) -> None:
    db.execute(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
    db.commit()


def set_tenant(session: Session, org_id: int) -> None:
    session.execute(text("SELECT set_config('app.current_org', :o, false)"), {"o": str(org_id)})


def set_tenant_local(session: Session, org_id: int) -> None:
    session.execute(text("SELECT set_config('app.current_org', :o, true)"), {"o": str(org_id)})


# Bad: a helper sets the tenant for the session; the endpoint commits.
@app.post("/orgs/{org_id}/tags")
def add_tag(org_id: int, tag: str, db: Session = Depends(get_db)):
    set_tenant(db, org_id)  # expect: SL303 "(by `set_tenant()`)"
    db.execute(text("INSERT INTO tags (org_id, tag) VALUES (:o, :t)"), {"o": org_id, "t": tag})
    db.commit()


# Quiet: the helper's setting is the transaction's.
@app.post("/orgs/{org_id}/tags2")
def add_tag_local(org_id: int, tag: str, db: Session = Depends(get_db)):
    set_tenant_local(db, org_id)
    db.execute(text("INSERT INTO tags (org_id, tag) VALUES (:o, :t)"), {"o": org_id, "t": tag})
    db.commit()


# Quiet: set through the helper but never committed.
@app.get("/orgs/{org_id}/tags")
def list_tags(org_id: int, db: Session = Depends(get_db)):
    set_tenant(db, org_id)
    return db.execute(text("SELECT tag FROM tags")).scalars().all()
