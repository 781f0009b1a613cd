from .db import Sessions


class Work:
    """A unit of work: a session for the block, committed and closed at its end."""

    def __enter__(self):
        self.session = Sessions()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()


class Borrowed:
    """Wraps a session it is handed: its exit commits, the owner closes."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.session.commit()
