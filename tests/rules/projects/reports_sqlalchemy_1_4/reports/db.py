# The project pins SQLAlchemy 1.4 in requirements.txt, where execute() takes
# a plain string: no SL301 anywhere in this project.
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
