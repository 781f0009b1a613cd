# A resource kept in an attribute of self inside the `with` that releases it,
# in a class that reuses the attribute while it is set (`if self._s is None:
# ... else: use self._s`): the with closes it when the block ends, the
# attribute still holds it, and the next call reuses what was closed.  A
# closed session silently checks out a new connection that nothing returns;
# a pooled connection is back in the pool, where another request may hold it.
import contextlib

from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
pool = ConnectionPool("postgresql://app@localhost/app")


@contextlib.contextmanager
def session_scope():
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


class Listener:
    def __init__(self, session: Session | None = None):
        self._session = session

    @contextlib.contextmanager
    def ensure_session(self):
        if self._session is None:
            with session_scope() as session:
                self._session = session  # expect: SL102 "the next call gets it closed"
                yield self._session
        else:
            yield self._session

    def subscribers(self):
        with self.ensure_session() as session:
            return session.execute(text("SELECT url FROM hooks")).scalars().all()


class Exporter:
    _session: Session | None = None

    def session(self) -> Session:
        if not self._session:
            with SessionLocal() as session:
                self._session = session  # expect: SL102
                session.execute(text("SELECT 1"))
        return self._session


class Reader:
    def __init__(self):
        self._conn = None

    def rows(self):
        if self._conn is not None:
            return self._conn.execute("SELECT 1").fetchall()
        with pool.connection() as conn:
            self._conn = conn  # expect: SL102 "back in the pool"
            return conn.execute("SELECT 1").fetchall()


class ClearedAfter:
    # quiet: the attribute is cleared when the block ends
    def __init__(self):
        self._session = None

    @contextlib.contextmanager
    def ensure_session(self):
        if self._session is None:
            try:
                with session_scope() as session:
                    self._session = session
                    yield session
            finally:
                self._session = None
        else:
            yield self._session


class Steps:
    # quiet: the attribute is used by helpers while the block runs, and no
    # code reuses it because it is set
    def run(self):
        with SessionLocal() as session:
            self.session = session
            self.step_one()
            self.step_two()

    def step_one(self):
        self.session.execute(text("UPDATE jobs SET state = 'one'"))

    def step_two(self):
        self.session.execute(text("UPDATE jobs SET state = 'two'"))
        self.session.commit()


class KeptOpen:
    # quiet: the session is made without a with and kept open on purpose
    def __init__(self):
        self._session = None

    def session(self) -> Session:
        if self._session is None:
            self._session = SessionLocal()
        return self._session

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None


class Repositories:
    def __init__(self, session: Session):
        self.session = session


class RepoListener(Listener):
    _repos: Repositories | None = None

    @contextlib.contextmanager
    def ensure_repos(self):
        # the object kept in self._repos wraps the session its with releases
        if self._repos is None:
            with session_scope() as session:
                self._repos = Repositories(session)  # expect: SL102
                yield self._repos
        else:
            yield self._repos

    @contextlib.contextmanager
    def repos_once(self):
        # quiet: a fresh object each time, kept by nothing
        with session_scope() as session:
            yield Repositories(session)
