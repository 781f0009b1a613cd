"""SL305 begin-in-transaction: begin() on a session that a query already put
in a transaction.

The page's bad add_note(): its current_user dependency loads the user
through the request's one session (FastAPI caches get_db for the request),
which autobegins a transaction; the endpoint's `with db.begin():` then raises
InvalidRequestError on every request and no note is stored.  The same
begin() called on a fresh session works, which is why a test of the
function alone passes.  The fixed add_note() commits instead and stores the
note.
"""
# needs: sqlalchemy psycopg2 fastapi
from fastapi import Depends, FastAPI
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

import proof

engine = create_engine("postgresql+psycopg2://")
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, nullable=False)
    body = Column(String, nullable=False)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def current_user(db: Session = Depends(get_db)) -> User:
    return db.get(User, 1)


app = FastAPI()


# The page's bad example.
@app.post("/notes/{body}")
def add_note(body: str, user: User = Depends(current_user), db: Session = Depends(get_db)):
    with db.begin():  # expect: SL305
        db.add(Note(user_id=user.id, body=body))
    return {"ok": True}


# The page's fixed example.
@app.post("/fixed/notes/{body}")
def add_note_fixed(body: str, user: User = Depends(current_user), db: Session = Depends(get_db)):
    db.add(Note(user_id=user.id, body=body))
    db.commit()
    return {"ok": True}


def notes():
    return [r[0] for r in proof.query("SELECT body FROM notes ORDER BY id")]


def body(p):
    Base.metadata.create_all(engine)
    proof.query("INSERT INTO users (id, name) VALUES (1, 'alice')")

    status, text, err = proof.asgi_request(app, "POST", "/fixed/notes/first")
    p.check(status == 200 and err is None and notes() == ["first"],
            "fixed: %r %r %r %r" % (status, text, err, notes()))
    p.fixed("the note is stored")

    status, text, err = proof.asgi_request(app, "POST", "/notes/second")
    p.check(isinstance(err, InvalidRequestError), "bad: no InvalidRequestError: %r %r" % (status, err))
    p.check(notes() == ["first"], "bad: a note was stored: %r" % notes())
    p.bad("every request: InvalidRequestError, no note stored", proof.exc_text(err))

    with SessionLocal() as db:  # the function alone, as a unit test would call it
        with db.begin():
            db.add(Note(user_id=1, body="alone"))
    p.check(notes() == ["first", "alone"], "alone: %r" % notes())
    p.note("the same begin() on a fresh session works: a test of the function alone passes")
    p.lint()


proof.run("SL305", body)
