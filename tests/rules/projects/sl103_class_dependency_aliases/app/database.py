import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ["REPORTS_DB_URL"])
make_session = sessionmaker(bind=engine)


def session_dependency():
    session = make_session()
    try:
        yield session
    finally:
        session.close()

