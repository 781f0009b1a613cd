from sqlalchemy import create_engine, text

from .base import SearchProvider


class PostgresProvider(SearchProvider):
    def search(self, text_):
        engine = create_engine("postgresql+psycopg2://app@db/shop")  # expect: SL108
        with engine.connect() as conn:
            return conn.execute(text("SELECT name FROM items WHERE name = :t"), {"t": text_}).all()

    # quiet: only the CLI command exports; SL108 is reported in request code only
    def export(self, path):
        engine = create_engine("postgresql+psycopg2://app@db/shop")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name FROM items")).all()
        with open(path, "w") as out:
            out.writelines(r.name for r in rows)
