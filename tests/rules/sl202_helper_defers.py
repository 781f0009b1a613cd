# args: --fastapi-version 0.110
# SL202 through a helper: the endpoint hands its borrowed session to a
# function that queues it as a background task (or starts a thread with
# it) and returns.  On 0.110 get_db closes the session when the endpoint
# returns, before the task runs.  The finding is on the helper's hand-off,
# where the fix goes, with the endpoint that lends the session first in its
# witness path.
import threading

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://svc@localhost/svc")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def record(db: Session, event: str) -> None:
    db.execute(text("INSERT INTO events (name) VALUES (:e)"), {"e": event})
    db.commit()


def record_own(event: str) -> None:
    with SessionLocal() as db:
        record(db, event)


async def schedule_record(event: str, db: Session, tasks: BackgroundTasks) -> None:
    tasks.add_task(record, db, event)  # expect: SL202


def record_later(db: Session, event: str) -> None:
    threading.Thread(target=record, args=(db, event)).start()  # expect: SL202


async def schedule_record_own(event: str, db: Session, tasks: BackgroundTasks) -> None:
    db.execute(text("SELECT 1"))
    tasks.add_task(record_own, event)


@app.post("/events")
async def create_event(name: str, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    await schedule_record(name, db, tasks)
    return {"name": name}


@app.post("/events/thread")
def create_event_thread(name: str, db: Session = Depends(get_db)):
    record_later(db, name)
    return {"name": name}


@app.post("/events/own")
async def create_event_own(name: str, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    # quiet: the helper uses the session now and hands the task only a name
    await schedule_record_own(name, db, tasks)
    return {"name": name}
