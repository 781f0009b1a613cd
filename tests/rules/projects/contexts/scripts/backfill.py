from sqlalchemy import text

from app.db import SessionLocal


# quiet by default: scripts/ holds one-shot scripts
def backfill():
    db = SessionLocal()
    db.execute(text("UPDATE orders SET region = 'eu' WHERE region IS NULL"))
    db.commit()
    db.close()


if __name__ == "__main__":
    backfill()
