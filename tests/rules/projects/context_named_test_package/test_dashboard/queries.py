from sqlalchemy import text

from test_observer.db import SessionLocal


def latest_runs():
    db = SessionLocal()  # expect: SL103
    rows = db.execute(text("SELECT id FROM runs ORDER BY id DESC LIMIT 10")).all()
    db.close()
    return [r.id for r in rows]
