import asyncio

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from app.session import close_session, create_session

app = FastAPI()


def get_db():
    session = create_session()
    try:
        yield session
    finally:
        close_session(session)


def record(db, name):
    db.execute(text("INSERT INTO audit (name) VALUES (:n)"), {"n": name})
    db.commit()


class TaskHandler:
    def start(self, db, background_tasks: BackgroundTasks, name: str):
        background_tasks.add_task(record, db, name)  # expect: SL202


@app.post("/tasks/{name}")
async def start_task(name: str, background_tasks: BackgroundTasks, db=Depends(get_db)):
    # the helper runs on a worker thread, and hands the request's session
    # to a background task that runs after get_db closed it
    await run_in_threadpool(TaskHandler().start, db, background_tasks, name)
    return {"started": name}


@app.get("/audit/count")
async def audit_count(db=Depends(get_db)):
    return await asyncio.to_thread(lambda: db.execute(text("SELECT count(*) FROM audit")).scalar())
