# A resource made in the argument of a call, `count(SessionLocal())`: when
# the function of the project it is passed to only calls its methods and
# reads its attributes (it neither releases, returns, stores nor passes it
# on), the resource is still the caller's, and no name holds it to release.
# A query the function returns keeps the session alive, and the session's
# transaction holds a pooled connection for as long as that lives.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@localhost/app")
SessionLocal = sessionmaker(bind=engine)
REGISTRY: list = []


class Organization:
    pass


def count(db_session: Session) -> int:
    return db_session.execute(text("SELECT count(*) FROM orgs")).scalar_one()


def get_all(*, db_session: Session):
    return db_session.query(Organization)


def close_after(db_session: Session) -> int:
    try:
        return db_session.execute(text("SELECT 1")).scalar_one()
    finally:
        db_session.close()


def passthrough(db_session: Session) -> Session:
    db_session.execute(text("SET search_path TO app"))
    return db_session


def remember(db_session: Session) -> None:
    REGISTRY.append(db_session)


def delegate(db_session: Session) -> int:
    return close_after(db_session)


class Repo:
    def __init__(self, session: Session):
        self.session = session


def total() -> int:
    return count(SessionLocal())  # expect: SL103 "made only to be passed to a function"


def organizations():
    orgs = get_all(db_session=SessionLocal())  # expect: SL103
    return [o for o in orgs]


def closed_by_callee() -> int:
    # quiet: the function closes what it is given
    return close_after(SessionLocal())


def returned_by_callee() -> None:
    # quiet: the function hands it back, and the caller closes it
    s = passthrough(SessionLocal())
    s.close()


def stored_by_callee() -> None:
    # quiet: the function keeps it somewhere the caller cannot see
    remember(SessionLocal())


def passed_on_by_callee() -> int:
    # quiet: the function passes it on (here to one that closes it)
    return delegate(SessionLocal())


def kept_by_object() -> Repo:
    # quiet: an object of the project keeps it, and the caller gets the object
    return Repo(SessionLocal())


def ignores(db_session: Session) -> int:
    return 0


def never_used() -> int:
    # quiet: the function never touches the session, which never checks out
    # a connection
    return ignores(SessionLocal())


def make_reader(db_session: Session):
    return lambda: db_session.execute(text("SELECT 1")).scalar_one()


def rows(db_session: Session):
    yield from db_session.execute(text("SELECT id FROM orgs"))


def captured() -> int:
    # quiet: the lambda the function returns keeps the session, and where the
    # lambda goes is not followed
    reader = make_reader(SessionLocal())
    return reader()


def streamed() -> list:
    # quiet: calling a generator function only makes the generator, which keeps
    # the session; what becomes of the generator is not followed
    return list(rows(SessionLocal()))
