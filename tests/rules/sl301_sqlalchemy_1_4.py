# args: --sqlalchemy-version 1.4
# SL301 on SQLAlchemy 1.4: execute() still runs a plain string as textual
# SQL (with a RemovedIn20Warning), so nothing is reported.  The same calls
# are SL301 on SQLAlchemy 2 (sl301_raw_sql_string.py); the version comes
# from the project's requirements (projects/reports_sqlalchemy_1_4) or, as
# here, from --sqlalchemy-version.
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://app@localhost/shop")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/items")
def list_items(db: Session = Depends(get_db)):
    return db.execute("SELECT * FROM items").fetchall()


def core():
    with engine.connect() as conn:
        return conn.execute("SELECT 1").scalar()
