# args: --fastapi-version 0.110
# SL206 and SL207 through a background task on FastAPI 0.106 to 0.117: the
# yield dependency's exit code runs when the endpoint returns, before the
# background tasks, so the request session is closed (and its connection
# back in the pool) before a task opens its own or waits: one connection at
# a time, none held through a wait, no finding.  The same code on 0.118 is
# sl206_background_task_session.py and sl207_background_task_wait.py; on
# 0.99 (the exit code after the tasks too) sl207_background_task_fastapi_0_99.py.
import httpx
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


def recount_orders(customer_id: int):
    with SessionLocal() as s:
        s.execute(text("update customers set orders = orders + 1 where id = :c"), {"c": customer_id})
        s.commit()


@app.post("/customers/{customer_id}/orders")
def add_order(customer_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    row = db.execute(text("select name from customers where id = :c"), {"c": customer_id}).first()
    tasks.add_task(recount_orders, customer_id)
    return {"name": row.name}


def post_webhook(url: str):
    httpx.post(url, timeout=30)


@app.post("/hooks/{hook_id}/fire")
def fire(hook_id: int, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    url = db.execute(text("select url from hooks where id = :h"), {"h": hook_id}).scalar()
    tasks.add_task(post_webhook, url)
    return {"fired": hook_id}
