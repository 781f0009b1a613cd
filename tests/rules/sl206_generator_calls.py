# args: --fastapi-version 0.115
# SL206 and generator functions: calling one makes a generator object, and
# its body (a session of its own) runs when the object is iterated.  Handed
# to a StreamingResponse, returned, or kept, the body runs later, not while
# this function holds its connection; drained here by a for loop, list(),
# "".join() or a comprehension, it runs now and takes a second connection.
# A decorated generator may be a context manager, entered at its call.
# FastAPI 0.115 closes the dependency's session when the endpoint returns,
# before the stream (sl206_generator_calls_newest.py: the newest, after it).
import json
from contextlib import contextmanager

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


def export_lines(kind: str):
    with Maker() as s:
        for row in s.execute(text("SELECT * FROM export WHERE kind = :k"), {"k": kind}):
            yield json.dumps(list(row)) + "\n"


@contextmanager
def own_session():
    with Maker() as s:
        yield s


@app.get("/export/{kind}")
def export(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    return StreamingResponse(export_lines(kind), media_type="application/x-ndjson")


@app.get("/export-later/{kind}")
def export_later(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    lines = export_lines(kind)
    return StreamingResponse(lines)


@app.get("/export-now/{kind}")
def export_now(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    return {"lines": list(export_lines(kind))}  # expect: SL206


@app.get("/export-joined/{kind}")
def export_joined(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    return "".join(export_lines(kind))  # expect: SL206


@app.get("/export-comprehension/{kind}")
def export_comprehension(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    return [len(x) for x in export_lines(kind)]  # expect: SL206


@app.get("/export-loop/{kind}")
def export_loop(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    n = 0
    for line in export_lines(kind):  # expect: SL206
        n += len(line)
    return {"bytes": n}


@app.get("/own/{kind}")
def own(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    with own_session() as s:
        return s.execute(text("SELECT 1")).all()  # expect: SL206


# Quiet: the function's own session is closed before the body runs.
@app.get("/export-own/{kind}")
def export_own(kind: str):
    with Maker() as s:
        s.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
        return StreamingResponse(export_lines(kind))


# Quiet: a generator expression over it is lazy too.
@app.get("/export-lazy/{kind}")
def export_lazy(kind: str, db: Session = Depends(get_db)):
    db.execute(text("SELECT 1 FROM kinds WHERE name = :k"), {"k": kind})
    return StreamingResponse(line.upper() for line in export_lines(kind))
