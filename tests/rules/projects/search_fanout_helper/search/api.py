from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from search.parallel import run_all

engine = create_engine("postgresql+psycopg2://search@localhost/search")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


def count_matches(db: Session, term: str) -> int:
    return db.execute(text("SELECT count(*) FROM docs WHERE body LIKE :t"), {"t": f"%{term}%"}).scalar_one()


def count_matches_own(term: str) -> int:
    with SessionLocal() as db:
        return count_matches(db, term)


@app.get("/search")
def search(terms: list[str], db: Session = Depends(get_db)):
    calls = [(count_matches, (db, t)) for t in terms]
    return run_all(calls)  # expect: SL203


@app.get("/search/own")
def search_own(terms: list[str]):
    return run_all([(count_matches_own, (t,)) for t in terms])
