# The project's one place that makes sessions.
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
_maker = sessionmaker(bind=engine)


def create_session():
    return _maker()


def close_session(session):
    session.close()
