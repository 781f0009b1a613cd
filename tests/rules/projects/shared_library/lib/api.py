from fastapi import Depends, FastAPI
from sqlalchemy import text

from lib.db import registry

app = FastAPI()


def scoped_db():
    db = registry()  # expect: SL201
    try:
        yield db
    finally:
        registry.remove()


@app.get("/a")
def read_a(db=Depends(scoped_db)):
    return db.execute(text("SELECT 1")).scalar_one()


@app.get("/b")
def read_b():
    return registry.execute(text("SELECT 2")).scalar_one()  # expect: SL201


@app.get("/c")
def read_c():
    # quiet: a sync endpoint runs on one thread start to end and removes
    # its session before it returns
    try:
        return registry.execute(text("SELECT 3")).scalar_one()
    finally:
        registry.remove()
