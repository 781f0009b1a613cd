from fastapi import FastAPI
from sqlalchemy import text

from app.db import SessionLocal

app = FastAPI()


@app.get("/orders")
def list_orders():
    db = SessionLocal()  # expect: SL103
    rows = db.execute(text("SELECT id FROM orders")).all()
    db.close()
    return [r.id for r in rows]
