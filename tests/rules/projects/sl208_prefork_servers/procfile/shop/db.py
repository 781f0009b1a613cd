from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

engine = create_engine("postgresql+psycopg2://app@db/shop")
db_session = scoped_session(sessionmaker(bind=engine))
metadata = MetaData()

# Made without a pool: nothing is kept open to inherit.
unpooled = create_engine("postgresql+psycopg2://app@db/shop", poolclass=NullPool)


def init_db(bind=engine):
    metadata.create_all(bind=bind)


def server_version():
    with unpooled.connect() as conn:
        return conn.execute(text("SELECT version()")).scalar()
