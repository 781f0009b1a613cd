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
    finally:
        db.close()


def log_visit(db: Session, path: str) -> None:
    db.execute(text("INSERT INTO visits (path) VALUES (:p)"), {"p": path})
    db.commit()


@app.get("/visits")
def visits(tasks: BackgroundTasks, db: Session = Depends(get_db)):
    tasks.add_task(log_visit, db, "/visits")
    return db.execute(text("SELECT count(*) FROM visits")).scalar_one()
