# args: --fastapi-version 0.118
# SL202 outlives-owner on FastAPI >= 0.118 (default scope="request"): the
# exit code of a yield dependency runs after the response is fully sent,
# background tasks and streamed bodies included, so these may use the
# dependency's session.  Untracked work (create_task, executors) still
# outlives it, and so does a session the endpoint closes itself.
# (Line 1 is run.py's `# args:` directive: the file is analyzed as that FastAPI version.)
# Convention: the finding is on the line of the hand-off call.
import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask
from starlette.responses import Response

from app.models import Document, Download

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine, autoflush=False)
pool = ThreadPoolExecutor(max_workers=2)
app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DB = Annotated[Session, Depends(get_db)]


def count_download(db: Session, doc_id: int) -> None:
    db.add(Download(document_id=doc_id))
    db.commit()


def document_chunks(db: Session, doc_id: int):
    for chunk in db.scalars(select(Document.chunk).where(Document.id == doc_id)):
        yield chunk


# Quiet on >= 0.118: the task runs before get_db's finally.
@app.get("/documents/{doc_id}")
def read_document(doc_id: int, background_tasks: BackgroundTasks, db: DB):
    doc = db.get(Document, doc_id)
    background_tasks.add_task(count_download, db, doc_id)
    return doc


# Quiet on >= 0.118: a response BackgroundTask too.
@app.head("/documents/{doc_id}")
def head_document(doc_id: int, db: DB):
    return Response(background=BackgroundTask(count_download, db, doc_id))


# Quiet on >= 0.118: the body is streamed before get_db's finally.
@app.get("/documents/{doc_id}/raw")
def stream_document(doc_id: int, db: DB):
    return StreamingResponse(document_chunks(db, doc_id), media_type="application/octet-stream")


# Bad on every version: the executor future is not waited for.
@app.post("/documents/{doc_id}/reindex")
def reindex(doc_id: int, db: DB):
    pool.submit(count_download, db, doc_id)  # expect: SL202
    return {"queued": doc_id}


# Bad on every version: a bare task.
@app.post("/documents/{doc_id}/touch")
async def touch(doc_id: int, db: DB):
    asyncio.get_running_loop().run_in_executor(None, count_download, db, doc_id)  # expect: SL202
    return {"ok": True}


# Bad on every version: the endpoint's own `with` closes the session before
# the stream is read.
@app.get("/documents/{doc_id}/copy")
def stream_copy(doc_id: int):
    with SessionLocal() as db:
        return StreamingResponse(document_chunks(db, doc_id))  # expect: SL202
