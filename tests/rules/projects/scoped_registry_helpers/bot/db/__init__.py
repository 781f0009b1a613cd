from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base, scoped_session, sessionmaker


def connect():
    engine = create_engine("postgresql://bot@localhost/bot")
    return scoped_session(sessionmaker(bind=engine))


Base = declarative_base()
DB = connect()
