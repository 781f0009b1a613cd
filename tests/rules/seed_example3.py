# Seed example 3 ("Idempotent close utility"), as the seed document gives
# it, with its indentation restored and the definitions it relies on
# (SessionLocal) added above it.  The wrapper stores the session on self
# (an escape: not the constructor's to close), close() is guarded by
# `if not self._closed:`, and the dependency closes the wrapper in finally.
# All correct: no finding.
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)


class SafeCockroachdbSession:
    def __init__(self):
        self._session = SessionLocal()
        self._closed = False

    def execute_query(self, sql):
        if self._closed:
            raise RuntimeError("Session already closed")
        return self._session.execute(sql)

    def close(self):
        if not self._closed:
            self._session.close()
            self._closed = True

# Usage in a dependency
def get_safe_db():
    safe = SafeCockroachdbSession()
    try:
        yield safe
    finally:
        safe.close()


# Not in the seed: the wrapper closed twice, on an error path and in
# finally.  Quiet: the guard makes the second close a no-op.
def run_report(sql):
    safe = SafeCockroachdbSession()
    try:
        rows = safe.execute_query(sql).fetchall()
    except Exception:
        safe.close()
        raise
    finally:
        safe.close()
    return rows
