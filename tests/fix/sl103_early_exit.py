# args: --unsafe-fixes
# SL103 where the block can return early: the fix closes the session on
# that path too, so it is unsafe, and applied here with --unsafe-fixes.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


def first_admin():
    db = SessionLocal()
    for row in db.execute(text("SELECT id, admin FROM users")):
        if row.admin:
            return row.id
    db.close()
    return None
