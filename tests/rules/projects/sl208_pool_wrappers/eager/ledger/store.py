from sqlalchemy import create_engine, text


class Store:
    """Keeps the process's engine; made once, at import."""

    def __init__(self, url):
        self.engine = create_engine(url, pool_size=5)

    def balance(self, account):
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT balance FROM accounts WHERE id = :a"), {"a": account}).scalar()

    def migrate(self):
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS accounts (id int, balance int)"))


store = Store("postgresql://ledger@db/ledger")
