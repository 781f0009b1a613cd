# The same early return without --unsafe-fixes: the fix is unsafe, so
# --fix leaves the file as it is (sl103_unsafe_not_applied.py.fixed is this
# file, byte for byte).
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
