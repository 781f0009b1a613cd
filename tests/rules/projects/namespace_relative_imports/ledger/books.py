from sqlalchemy import text

from .store import Session


class Books:
    """Opens its session on entry and closes it on exit."""

    def __enter__(self):
        self.session = Session()
        return self

    def __exit__(self, *exc):
        self.session.close()

    def balance(self, account):
        return self.session.scalar(text("SELECT balance FROM accounts WHERE id = :a"), {"a": account})
