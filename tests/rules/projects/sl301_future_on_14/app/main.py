# SQLAlchemy 1.4 (pinned): a plain string still runs, with a warning, except
# on a connection of an engine made in 2.0 mode (future=True), which refuses
# it at once (ObjectNotExecutableError; observed in tests/proof/sl301.py).
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

future_engine = create_engine("postgresql+psycopg2://app@db/app", future=True)
legacy_engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=future_engine, future=True)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/a")
def on_future_connection():
    with future_engine.connect() as conn:
        return conn.execute("SELECT 1").scalar()  # expect: SL301


@app.get("/b")
def on_legacy_connection():
    with legacy_engine.connect() as conn:
        return conn.execute("SELECT 1").scalar()  # quiet: 1.4 runs it (RemovedIn20Warning)


@app.get("/c")
def on_future_session(db: Session = Depends(get_db)):
    return db.execute("SELECT 1").scalar()  # quiet: a 1.4 session still runs it, with a warning
