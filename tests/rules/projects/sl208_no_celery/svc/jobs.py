# No Celery here: nothing forks after import, so a module-level query is
# only start-up work.
from sqlalchemy import text

from svc.db import SessionLocal, engine, metadata

metadata.create_all(bind=engine)


def task(item_id):
    """Named like a task, run in this process."""
    with SessionLocal() as db:
        db.execute(text("UPDATE items SET seen = now() WHERE id = :i"), {"i": item_id})
        db.commit()
