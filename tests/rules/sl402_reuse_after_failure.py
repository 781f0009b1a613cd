# SL402: SQL on a session or connection after its statement failed and the
# error was caught, with no rollback() first.  On PostgreSQL the failed
# statement aborted the transaction: every later statement raises
# InFailedSqlTransaction until a rollback; after a failed flush the Session
# itself refuses them (PendingRollbackError).  In the handler, or after a
# handler that lets the code go on.  Only handlers that name a database
# error (except Exception may be catching another).
# Convention: the finding is on the reuse.
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.models import Tag

engine = create_engine("postgresql+psycopg2://app@db/app")
SessionLocal = sessionmaker(bind=engine)


# Bad: get-or-create that looks the row up on the failed session.
def get_or_create(name: str):
    with SessionLocal() as session:
        try:
            session.add(Tag(name=name))
            session.commit()
        except IntegrityError:
            return session.scalar(select(Tag).where(Tag.name == name))  # expect: SL402


# Bad: the handler lets the code go on to a query.
def ensure_tag(name: str):
    with SessionLocal() as session:
        try:
            session.execute(insert(Tag).values(name=name))
            session.commit()
        except IntegrityError:
            pass
        return session.scalar(select(Tag).where(Tag.name == name))  # expect: SL402


# Quiet: rolled back first.
def get_or_create_ok(name: str):
    with SessionLocal() as session:
        try:
            session.add(Tag(name=name))
            session.commit()
        except IntegrityError:
            session.rollback()
            return session.scalar(select(Tag).where(Tag.name == name))


# Quiet: a savepoint, rolled back to in the handler.
def add_once(session, name: str):
    nested = session.begin_nested()
    try:
        session.add(Tag(name=name))
        session.flush()
    except IntegrityError:
        nested.rollback()
        session.execute(text("UPDATE tag SET seen = seen + 1 WHERE name = :n"), {"n": name})


# Quiet: a savepoint block rolls back by itself.
def add_once_block(session, name: str):
    try:
        with session.begin_nested():
            session.add(Tag(name=name))
    except IntegrityError:
        session.execute(text("UPDATE tag SET seen = seen + 1 WHERE name = :n"), {"n": name})


# Quiet: a new connection under the name; the failed one was closed.
def recreate_database():
    conn = engine.connect()
    try:
        conn.execute(text("DROP DATABASE test"))
    except SQLAlchemyError:
        pass
    finally:
        conn.close()
    conn = engine.connect()
    try:
        conn.execute(text("CREATE DATABASE test"))
    finally:
        conn.close()


# Quiet: except Exception may catch what is not the database's.
def tolerant(name: str, notify):
    with SessionLocal() as session:
        try:
            session.add(Tag(name=name))
            notify(name)
        except Exception:
            pass
        session.commit()


# A helper of the module or a method of the object runs the SQL: it counts
# by what its body does first with the session it is handed (an argument,
# or the self.<attr> the failed statement used).
def lookup(session, name: str):
    return session.scalar(select(Tag).where(Tag.name == name))


def reset_and_lookup(session, name: str):
    session.rollback()
    return session.scalar(select(Tag).where(Tag.name == name))


def format_name(name: str):
    return name.strip().lower()


# Bad: the module's helper is handed the failed session.
def get_or_create_helper(name: str):
    with SessionLocal() as session:
        try:
            session.add(Tag(name=name))
            session.commit()
        except IntegrityError:
            return lookup(session, name)  # expect: SL402


# Quiet: the helper rolls back before its query.
def get_or_create_helper_ok(name: str):
    with SessionLocal() as session:
        try:
            session.add(Tag(name=name))
            session.commit()
        except IntegrityError:
            return reset_and_lookup(session, name=name)


class TagDao:
    def __init__(self, session: Session):
        self._session = session

    def known(self, name: str) -> bool:
        return self._session.scalar(select(Tag.id).where(Tag.name == name)) is not None

    def describe(self, name: str) -> str:
        return format_name(name)

    # Bad: a method of the same object queries self._session, which the
    # local name is.
    def save(self, name: str) -> None:
        session = self._session
        try:
            session.execute(insert(Tag).values(name=name))
        except IntegrityError as e:
            if self.known(name):  # expect: SL402
                raise ValueError(name) from e
            raise
        session.commit()

    # Quiet: the method called does no SQL.
    def save_plain(self, name: str) -> None:
        try:
            self._session.execute(insert(Tag).values(name=name))
        except IntegrityError as e:
            raise ValueError(self.describe(name)) from e

    # Quiet: rolled back before the method's query.
    def save_checked(self, name: str) -> None:
        try:
            self._session.execute(insert(Tag).values(name=name))
        except IntegrityError as e:
            self._session.rollback()
            if self.known(name):
                raise ValueError(name) from e
            raise
