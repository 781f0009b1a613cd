# SL201 shared-across-requests: a module-level singleton that keeps the
# session its scoped_session registry returns.  The registry hands each
# thread (or, with scopefunc, each task) its own session, but only when it
# is called where the session is used: calling it once and keeping the
# result on an object the whole process shares freezes the session of the
# thread that ran that call, and every request thread and worker then uses
# that one session at the same time.
# Convention: the finding is on the module-level instance, with the
# `self.<attr> = registry()` statement as witness.
import os
import threading

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

app = FastAPI()


class CatalogDB:
    def __init__(self):
        self.registry = None
        self.session = None

    def init(self, url: str):
        self.registry = scoped_session(sessionmaker(bind=create_engine(url)))
        self.session = self.registry()

    def count_books(self):
        return self.session.execute(text("select count(*) from books")).scalar()


catalog = CatalogDB()  # expect: SL201
catalog.init(os.environ["DATABASE_URL"])


class Reports:
    def __init__(self, url: str):
        self.registry = scoped_session(sessionmaker(bind=create_engine(url)))

    def total(self):
        # Quiet: the registry is called where the session is used, on the
        # thread that uses it, and removed when done.
        session = self.registry()
        try:
            return session.execute(text("select sum(total) from orders")).scalar()
        finally:
            self.registry.remove()


reports = Reports(os.environ["DATABASE_URL"])


class Local:
    # Quiet: an object made per call, not one of the process.
    def __init__(self, registry):
        self.session = registry()

    def names(self):
        return self.session.execute(text("select name from users")).scalars().all()


@app.get("/stats")
def stats():
    return {"books": catalog.count_books(), "total": reports.total()}


def refresh_loop():
    while True:
        catalog.count_books()


threading.Thread(target=refresh_loop, daemon=True).start()
