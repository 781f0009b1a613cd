from sqlalchemy import text

from app.db import SessionLocal


def first_row():
    db = SessionLocal()  # expect: SL103
    row = db.execute(text("SELECT 1")).first()
    db.close()
    return row

print("unclosed"  # expect: SL000
