from sqlalchemy import text

from app.db import SessionLocal


# quiet by default: a migration runs once
def upgrade():
    db = SessionLocal()
    db.execute(text("INSERT INTO regions VALUES ('eu')"))
    db.commit()
    db.close()
