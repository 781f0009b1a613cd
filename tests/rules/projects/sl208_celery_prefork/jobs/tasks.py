from sqlalchemy import text

from jobs import settings
from jobs.db import ReportSession, Session, stats_engine, unpooled
from jobs.worker import app


@app.task
def refresh(item_id):
    Session.execute(text("UPDATE items SET seen = now() WHERE id = :i"), {"i": item_id})
    Session.commit()
    Session.remove()


@app.task(bind=True)
def report(self, day):
    with ReportSession() as db:
        db.execute(text("INSERT INTO daily (day) VALUES (:d)"), {"d": day})
        db.commit()


@app.task
def ping():
    with unpooled.connect() as conn:
        conn.execute(text("SELECT 1"))


@app.task
def stats():
    with stats_engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM hits"))


@app.task
def feature_names():
    return list(settings.FEATURES)
