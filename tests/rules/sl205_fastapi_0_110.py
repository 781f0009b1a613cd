# args: --fastapi-version 0.110
# SL205 held-through-stream on FastAPI 0.110: the exit code of a yield dependency
# runs when the endpoint returns, before the response: the session is closed
# before the body streams (SL202 reports a body that uses it), so holding
# nothing through the stream, this file has no finding.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
import time

from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def ticker(n: int):
    for i in range(n):
        yield f"{i}\n"
        time.sleep(1)


@app.get("/count")
def count(db: Session = Depends(get_db)):
    n = db.execute(text("select count(*) from item")).scalar()
    return StreamingResponse(ticker(n))


def current_user(db: Session = Depends(get_db)):
    return db.execute(text("select id from users limit 1")).scalar()


@app.get("/tick", dependencies=[Depends(current_user)])
def tick():
    return StreamingResponse(ticker(10))
