# Two overlapping fixes in one block: the outer session's with block is
# applied in the first round, the inner one's in the second, after the
# file is analyzed again.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://localhost/app")
SessionLocal = sessionmaker(bind=engine)


def copy_users():
    src = SessionLocal()
    dst = SessionLocal()
    rows = src.execute(text("SELECT id, name FROM users")).fetchall()
    dst.execute(text("INSERT INTO users_copy VALUES (:id, :name)"), [dict(r._mapping) for r in rows])
    dst.commit()
    dst.close()
    src.close()
