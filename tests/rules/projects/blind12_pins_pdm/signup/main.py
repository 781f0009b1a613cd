from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from signup.database import SessionLocal, get_db

app = FastAPI()


def send_welcome(db: Session, email: str) -> None:
    db.execute(text("INSERT INTO outbox (address, kind) VALUES (:a, 'welcome')"), {"a": email})
    db.commit()


def send_welcome_own(email: str) -> None:
    with SessionLocal() as db:
        send_welcome(db, email)


@app.post("/signup")
def signup(email: str, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("INSERT INTO users (email) VALUES (:e)"), {"e": email})
    tasks.add_task(send_welcome, db, email)  # expect: SL202
    return {"ok": True}


@app.post("/signup-own-session")
def signup_own_session(email: str, tasks: BackgroundTasks, db: Session = Depends(get_db)):
    db.execute(text("INSERT INTO users (email) VALUES (:e)"), {"e": email})
    tasks.add_task(send_welcome_own, email)
    return {"ok": True}
