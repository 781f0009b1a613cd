# args: --fastapi-version 0.121
# SL204 commit-after-response on FastAPI 0.121: with the default
# scope="request" the exit code of a yield dependency runs after the
# response (SL204); with Depends(f, scope="function") it runs right after
# the endpoint returns, before the response, so the same commit is reported
# to the client (quiet).  One provider per scope, so each line has one answer.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the commit() after the yield; for a
# `with ...begin()` around the yield, on that `with` line.
import os
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.models import Booking

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
app = FastAPI()
router = APIRouter(prefix="/bookings")


def get_db_request():
    db = SessionLocal()
    try:
        yield db
        db.commit()  # expect: SL204
    finally:
        db.close()


def get_db_function():
    db = SessionLocal()
    try:
        yield db
        db.commit()
    finally:
        db.close()


def get_db_begin_function():
    with SessionLocal.begin() as db:
        yield db


RequestDB = Annotated[Session, Depends(get_db_request)]
FunctionDB = Annotated[Session, Depends(get_db_function, scope="function")]


@router.post("/")
def book(room: int, db: RequestDB):
    db.add(Booking(room=room))
    return {"booked": room}


@router.post("/fn")
def book_fn(room: int, db: FunctionDB):
    db.add(Booking(room=room))
    return {"booked": room}


@router.delete("/{booking_id}")
def cancel(booking_id: int, db: Session = Depends(get_db_begin_function, scope="function")):
    db.delete(db.get(Booking, booking_id))
    return {"cancelled": booking_id}


app.include_router(router)
