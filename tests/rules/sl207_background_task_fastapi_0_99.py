# args: --fastapi-version 0.99
# SL206 and SL207 through a background task before FastAPI 0.106: the yield
# dependency's exit code runs after the response and the background tasks
# (as from 0.118 on), so a request session left in a transaction holds its
# connection through the task.
import time

from fastapi import BackgroundTasks, Depends, FastAPI
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


def reindex_later(item_id: int):
    time.sleep(30)
    with SessionLocal() as s:
        s.execute(text("update items set indexed = true where id = :i"), {"i": item_id})
        s.commit()


def reindex_now(item_id: int):
    with SessionLocal() as s:
        s.execute(text("update items set indexed = true where id = :i"), {"i": item_id})
        s.commit()


@app.put("/items/{item_id}")
def update_item(item_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("update items set seen = seen + 1 where id = :i"), {"i": item_id})
    name = db.execute(text("select name from items where id = :i"), {"i": item_id}).scalar()
    tasks.add_task(reindex_later, item_id)  # expect: SL206 "second connection"
    return {"name": name}


@app.get("/items/{item_id}")
def read_item(item_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    name = db.execute(text("select name from items where id = :i"), {"i": item_id}).scalar()
    db.rollback()
    tasks.add_task(reindex_now, item_id)
    return {"name": name}


def cool_down(item_id: int):
    time.sleep(30)
    print("cooled", item_id)


@app.post("/items/{item_id}/cool")
def cool(item_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("select 1 from items where id = :i for update"), {"i": item_id})
    tasks.add_task(cool_down, item_id)  # expect: SL207 "sleeps"
    return {"ok": True}
