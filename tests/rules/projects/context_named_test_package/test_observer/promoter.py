# A product package whose name starts with test_: the worker imports it, so
# it is service code, and its leak is reported by default.
from sqlalchemy import text

from test_observer.db import SessionLocal


def promote(artefact_id):
    db = SessionLocal()  # expect: SL103
    db.execute(text("UPDATE artefacts SET stage = 'beta' WHERE id = :a"), {"a": artefact_id})
    db.commit()
