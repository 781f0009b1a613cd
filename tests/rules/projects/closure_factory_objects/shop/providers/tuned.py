# A subclass of a subclass: its override may be the object too.
from sqlalchemy import create_engine, text

from .postgres import PostgresProvider


class TunedProvider(PostgresProvider):
    def search(self, text_):
        engine = create_engine("postgresql+psycopg2://app@db/shop", pool_size=2)  # expect: SL108
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).all()

    # quiet: a method no request calls on the object
    def warm(self):
        engine = create_engine("postgresql+psycopg2://app@db/shop")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
