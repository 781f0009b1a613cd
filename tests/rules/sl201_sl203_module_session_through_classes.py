# SL201 and SL203 for the process's one session reached through a class:
# a module-level session copied into a class attribute is one object for
# every instance, so every request that uses the class shares it (SL201, on
# the class attribute), and a job that several requests hand to an
# executor, or a thread each request starts, uses it at the same time as
# the others (SL203, at the job's first use, or the call that leads to
# it).  An instance that keeps a session of its own under the attribute
# (its __init__ assigns one) does not share the class's; a session used
# only at start-up, or by jobs that make their own, is quiet.
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://svc@db/reports")
ReportSession = sessionmaker(bind=engine)
pool = ThreadPoolExecutor(max_workers=8)
app = FastAPI()

reports_db = ReportSession()  # expect: SL201 "made once"
seed_db = ReportSession()


class ReportJob:
    db: Session = reports_db  # expect: SL201 "holding the one session made for the module"

    def __init__(self, report_id: int):
        self.report_id = report_id

    def load(self):
        return self.db.execute(text("select body from report where id = :i"), {"i": self.report_id})

    def render(self):
        self.db.execute(text("update report set state = 'rendering' where id = :i"), {"i": self.report_id})  # expect: SL203 "on a pool's threads"
        self.db.commit()

    def mark_done(self):
        self.db.execute(text("update report set state = 'done' where id = :i"), {"i": self.report_id})
        self.db.commit()

    def render_later(self):
        pool.submit(self.render)


class Archiver:
    db = reports_db  # quiet: every instance keeps the session it is given

    def __init__(self, db: Session):
        self.db = db

    def archive(self, report_id: int):
        self.db.execute(text("update report set archived = true where id = :i"), {"i": report_id})
        self.db.commit()


class Seeder:
    db = seed_db  # quiet: only start-up code uses it

    def seed(self):
        self.db.execute(text("insert into report (id, body) values (0, '')"))
        self.db.commit()


def audit(report_id: int):
    reports_db.execute(text("insert into audit (report_id) values (:i)"), {"i": report_id})  # expect: SL203 "on a thread of its own"
    reports_db.commit()


def refresh(report_id: int):
    with ReportSession() as db:  # quiet: a session per thread
        db.execute(text("refresh materialized view report_totals"))
        db.commit()


@app.on_event("startup")
def fill():
    Seeder().seed()


@app.post("/reports/{report_id}/render")
def render(report_id: int):
    job = ReportJob(report_id)
    job.load()
    job.render_later()
    threading.Thread(target=audit, args=(report_id,)).start()
    threading.Thread(target=refresh, args=(report_id,)).start()
    return {"queued": report_id}


@app.post("/reports/{report_id}/archive")
def archive(report_id: int):
    with ReportSession() as db:
        Archiver(db).archive(report_id)
    return {"archived": report_id}
