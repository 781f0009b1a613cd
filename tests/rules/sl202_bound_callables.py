# args: --fastapi-version 0.110
# SL202 through a callable kept in a local name: `functools.partial(work,
# db)` or a lambda that reads db is made with the request's session, and the
# background task that runs it runs after FastAPI 0.110 closed that session.
# A value computed from the session (a row, a count) carries no session.
import functools

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def record(db: Session, name: str) -> None:
    db.execute(text("INSERT INTO audit (name) VALUES (:n)"), {"n": name})
    db.commit()


def notify(count: int) -> None:
    print(count)


@app.post("/audit/partial")
def audit_partial(name: str, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    task = functools.partial(record, db, name)
    background_tasks.add_task(task)  # expect: SL202


@app.post("/audit/lambda")
def audit_lambda(name: str, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    job = lambda: record(db, name)  # noqa: E731
    background_tasks.add_task(job)  # expect: SL202


# Quiet: what the task gets was read from the session before it closed.
@app.post("/audit/count")
def audit_count(background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    count = db.execute(text("SELECT count(*) FROM audit")).scalar_one()
    background_tasks.add_task(notify, count)


# Quiet: the partial is made with a value, not the session.
@app.post("/audit/notify")
def audit_notify(background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    count = db.execute(text("SELECT count(*) FROM audit")).scalar_one()
    task = functools.partial(notify, count)
    background_tasks.add_task(task)


# A helper that returns a partial of its parameter: the task it makes uses
# the session it was given.
def audit_task(db: Session, name: str):
    return functools.partial(record, db, name)


def notify_task(count: int):
    return functools.partial(notify, count)


@app.post("/audit/helper")
def audit_helper(name: str, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    task = audit_task(db, name)
    background_tasks.add_task(task)  # expect: SL202


# Quiet: the helper's partial is made with a value, not the session.
@app.post("/audit/helper-count")
def audit_helper_count(background_tasks: BackgroundTasks, db: Session = Depends(get_db)):
    count = db.execute(text("SELECT count(*) FROM audit")).scalar_one()
    task = notify_task(count)
    background_tasks.add_task(task)
