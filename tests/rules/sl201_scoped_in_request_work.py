# SL201 shared-across-requests: a thread-scoped scoped_session used by work
# a request starts (a thread, or a function an endpoint calls), which does
# not remove() the session: the thread keeps it for whatever it runs next.
# Convention: the finding is on the first call of the registry in the
# function.
import threading

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
DBSession = scoped_session(sessionmaker(bind=engine))
app = FastAPI()


def refresh_source(source_id: int):
    session = DBSession()  # expect: SL201
    session.execute(text("update source set checked = now() where id = :i"), {"i": source_id})
    session.commit()


def refresh_source_removed(source_id: int):
    # Quiet: removed on the same thread before the work ends.
    try:
        session = DBSession()
        session.execute(text("update source set checked = now() where id = :i"), {"i": source_id})
        session.commit()
    finally:
        DBSession.remove()


@app.post("/sources/{source_id}/refresh")
def refresh(source_id: int):
    threading.Thread(target=refresh_source, args=(source_id,), daemon=True).start()
    threading.Thread(target=refresh_source_removed, args=(source_id,), daemon=True).start()
    return {"queued": True}
