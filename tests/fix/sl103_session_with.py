# SL103: a session closed on the normal path only becomes a with block.
# Comments, blank lines, quotes and multi-line strings inside the block keep
# their text; the trailing comment of the acquisition stays on its line.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


def count_users():
    db = SessionLocal()  # one session for the report
    # count the active ones
    n = db.execute(text('SELECT count(*) FROM users WHERE active')).scalar()

    report = """users:
  active: %d
""" % n
    db.close()
    return report


def rename(user_id, name):
    session = Session(engine)
    session.execute(
        text("UPDATE users SET name = :name WHERE id = :id"),
        {"name": name, "id": user_id},
    )
    session.commit()
    # the close that is skipped when the update raises
    session.close()
    return name
