# args: --fastapi-version 0.110
# Security(f, scopes=[...]) is FastAPI's Depends that also hands f the
# OAuth2 scopes: a parameter it fills is a dependency's value like any other.
# On FastAPI 0.106 to 0.117 a yield dependency's exit code runs when the
# endpoint returns, before the background tasks, so the session a task is
# handed is closed before the task runs.
from typing import Annotated

from fastapi import BackgroundTasks, FastAPI, Security
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def write_audit(db: Session, action: str) -> None:
    db.execute(text("INSERT INTO audit (action) VALUES (:a)"), {"a": action})
    db.commit()


def write_audit_own(action: str) -> None:
    with SessionLocal() as db:
        db.execute(text("INSERT INTO audit (action) VALUES (:a)"), {"a": action})
        db.commit()


# Bad: the dependency closes the session before the task uses it.
@app.post("/audit")
def audit(action: str, tasks: BackgroundTasks, db: Session = Security(get_db, scopes=["audit"])):
    tasks.add_task(write_audit, db, action)  # expect: SL202


# Bad: the same through Annotated metadata.
@app.post("/audit/annotated")
def audit_annotated(action: str, tasks: BackgroundTasks, db: Annotated[Session, Security(get_db)]):
    tasks.add_task(write_audit, db, action)  # expect: SL202


# Quiet: the task makes its own session.
@app.post("/audit/own")
def audit_own(action: str, tasks: BackgroundTasks, db: Session = Security(get_db)):
    tasks.add_task(write_audit_own, action)
