from fastapi import Depends, FastAPI
from sqlalchemy import text

from app.db import SessionLocal

app = FastAPI()


# reported in examples too: a tutorial teaches the pattern
def get_db():
    db = SessionLocal()
    yield db  # expect: SL104
    db.close()


@app.get("/")
def index(db=Depends(get_db)):
    return db.execute(text("SELECT 1")).scalar()


# quiet by default: a leak in an example script ends with it
def main():
    db = SessionLocal()
    print(db.execute(text("SELECT 1")).scalar())
    db.close()
