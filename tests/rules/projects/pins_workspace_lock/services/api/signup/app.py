# A member of a uv workspace: its pyproject.toml allows FastAPI 0.95 and a
# stale requirements.txt pins 0.99.1, but the workspace's uv.lock at the
# root says what is installed, 0.112.0: the dependency's exit code runs
# when the endpoint returns, before the background task.
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
        db.commit()
    finally:
        db.close()


def log_visit(db: Session, path: str) -> None:
    db.execute(text("INSERT INTO visits (path) VALUES (:p)"), {"p": path})
    db.commit()


@app.post("/visits")
def visits(tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("INSERT INTO pages (path) VALUES ('/visits')"))
    tasks.add_task(log_visit, db, "/visits")  # expect: SL202 "FastAPI 0.112.0 from tests/rules/projects/pins_workspace_lock/uv.lock"
    return {"ok": True}
