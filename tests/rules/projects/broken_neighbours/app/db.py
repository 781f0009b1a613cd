# A module with a database import; the two others are relevant through it,
# one importing it and one imported by it, and each has a syntax error that
# phase one reports before the project analysis reads them again.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from app import helpers

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)


def count_rows(table: str) -> int:
    db = SessionLocal()  # expect: SL103
    n = db.execute(text(helpers.count_query(table))).scalar_one()
    db.close()
    return n
