# Seed example 1 ("Safe dependency injection with yield"), as the seed
# document gives it, with its indentation restored and `Fastapi` spelled
# `FastAPI` (the seed's spelling is an ImportError).  The lifecycle is
# correct: get_db closes in finally, and the endpoint borrows the session.
# Its other defect: execute() gets a plain string, which SQLAlchemy 2.0
# refuses (SL301).  The URL's password is the placeholder `password` for the
# placeholder host `host`: no secret of anyone's (no SL403).  The URL makes
# this a CockroachDB project, but nothing here commits (no SL401).
from typing import Generator
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker, Session
DATABASE_URL = "cockroachdb://username:password@host:26257/dbname?sslmode=require"
engine = create_engine(DATABASE_URL)
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
app = FastAPI()
def get_db() -> Generator[Session, None, None]:
    db = SessionLocal()
    try:
        yield db
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()
@app.get("/items/")
def read_items(db: Session = Depends(get_db)):
    items = db.execute("SELECT * FROM items").fetchall()  # expect: SL301
    return {"items": items}
