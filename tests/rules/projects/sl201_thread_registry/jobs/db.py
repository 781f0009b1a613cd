# The registries and makers the jobs use, and helpers around them.
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app", pool_size=5)
Session = scoped_session(sessionmaker(bind=engine))
RequestScoped = scoped_session(sessionmaker(bind=engine), scopefunc=lambda: 1)
Plain = sessionmaker(bind=engine)


def load_counts():
    # a helper: whoever runs it uses the calling thread's session
    return Session.execute(text("select count(*) from items")).scalar()


def end_session():
    Session.remove()


def end_request():
    # the teardown of whatever RequestScoped's scopefunc keys
    RequestScoped.remove()


@contextmanager
def session_scope():
    # a transaction per block: committed, or rolled back when the block raises
    s = Session()
    try:
        yield s
        s.commit()
    except Exception:
        s.rollback()
        raise
