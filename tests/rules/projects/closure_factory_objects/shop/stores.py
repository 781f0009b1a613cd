from sqlalchemy import create_engine, text


class Store:
    def fetch(self, key):
        engine = create_engine("postgresql+psycopg2://app@db/shop")  # expect: SL108
        with engine.connect() as conn:
            return conn.execute(text("SELECT v FROM kv WHERE k = :k"), {"k": key}).scalar()

    # quiet: only the command-line tool calls it
    def reindex(self):
        engine = create_engine("postgresql+psycopg2://app@db/shop")
        with engine.connect() as conn:
            conn.execute(text("REINDEX TABLE kv"))


class CachedStore(Store):
    def fetch(self, key):
        engine = create_engine("postgresql+psycopg2://app@db/shop")  # expect: SL108
        with engine.connect() as conn:
            return conn.execute(text("SELECT v FROM kv_cache WHERE k = :k"), {"k": key}).scalar()


class Auditor:
    # quiet: an Auditor is made, but the endpoint never calls its method
    def fetch(self, key):
        engine = create_engine("postgresql+psycopg2://app@db/shop")
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar()


def open_store() -> "Store":
    return CachedStore()


def open_auditor() -> Auditor:
    return Auditor()
