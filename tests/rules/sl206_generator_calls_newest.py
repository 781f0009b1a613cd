# SL206 and a generator object handed to a StreamingResponse, with the
# newest FastAPI (no version): the dependency's session is closed only after
# the response, stream included, so while the body runs (its own session)
# the request holds two connections of one pool.  SL205 says the first one
# idles.  The function's own session is closed before the body runs.
from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

app = FastAPI()
engine = create_engine("postgresql+psycopg://app@db/app")
Maker = sessionmaker(engine)


def get_db():
    with Maker() as db:
        yield db


def csv_rows(table: str):
    with Maker() as s:
        for row in s.execute(text("SELECT * FROM report WHERE t = :t"), {"t": table}):
            yield ",".join(map(str, row)) + "\n"


@app.get("/csv/{table}")
def csv(table: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM reports WHERE t = :t"), {"t": table})
    return StreamingResponse(csv_rows(table))  # expect: SL205, SL206


@app.get("/csv-committed/{table}")
def csv_committed(table: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM reports WHERE t = :t"), {"t": table})
    db.commit()
    return StreamingResponse(csv_rows(table))


@app.get("/csv-own/{table}")
def csv_own(table: str):
    with Maker() as s:
        s.execute(text("SELECT 1 FROM reports WHERE t = :t"), {"t": table})
        return StreamingResponse(csv_rows(table))
