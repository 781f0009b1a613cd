# SL201 through application state: a factory kept on app.state is fine, but
# a session made once by calling it at startup (`app.state.factory()`) and
# kept on app.state is one session for every request that reads it.  The
# message says what to keep there instead, by the kind that is kept.
from contextlib import asynccontextmanager

import psycopg2
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

DSN = "dbname=notes user=notes"


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.engine = create_engine("postgresql://notes@localhost/notes")
    app.state.make_session = sessionmaker(app.state.engine)
    app.state.shared = app.state.make_session()  # expect: SL201 "keep the sessionmaker there"
    app.state.raw = psycopg2.connect(DSN)  # expect: SL201 "keep a connection pool there"
    yield
    app.state.shared.close()
    app.state.raw.close()
    app.state.engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/notes")
def notes(request: Request):
    session = request.app.state.shared
    return session.scalars(text("SELECT body FROM notes")).all()


@app.get("/notes/raw")
def raw_notes(request: Request):
    cur = request.app.state.raw.cursor()
    cur.execute("SELECT body FROM notes")
    return cur.fetchall()


# quiet: the factory on app.state makes one session per request
@app.get("/notes/count")
def count(request: Request):
    with request.app.state.make_session() as session:
        return session.scalar(text("SELECT count(*) FROM notes"))
