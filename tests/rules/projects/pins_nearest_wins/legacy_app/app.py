# The repository's root pins FastAPI 0.100.0 for this old service: the
# dependency's exit code runs after the response (SL204), and the
# background task still has the session.
from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://svc@localhost/svc")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204 "FastAPI 0.100.0 from tests/rules/projects/pins_nearest_wins/requirements.txt"
    finally:
        db.close()


def log_visit(db: Session, path: str) -> None:
    db.execute(text("INSERT INTO visits (path) VALUES (:p)"), {"p": path})
    db.commit()


@app.post("/visits")
def visits(tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("INSERT INTO pages (path) VALUES ('/visits')"))
    tasks.add_task(log_visit, db, "/visits")
    return {"ok": True}
