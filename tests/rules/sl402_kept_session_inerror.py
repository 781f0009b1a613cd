# select: SL402
# SL402 on a kept SQLAlchemy session: the process's one session (made once
# at module level) left in a failed transaction by a handler that swallows
# the error.  A session a service object holds is mostly the request's,
# closed when the request ends: not counted.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql+psycopg2://app@db/app")
CACHE_SESSION = Session(engine)
SessionLocal = sessionmaker(engine)


# Bad: the module's one session, shared by every later caller.
def cached_count(table):
    try:
        return CACHE_SESSION.execute(text("SELECT count(*) FROM " + table)).scalar()
    except Exception:  # expect: SL402 "leaves `CACHE_SESSION`"
        return None


# Quiet: the handler rolls the session back.
def cached_total():
    try:
        return CACHE_SESSION.scalar(text("SELECT sum(total) FROM orders"))
    except Exception:
        CACHE_SESSION.rollback()
        return None


class OrderRepo:
    def __init__(self, session: Session):
        self.session = session

    # Quiet: the request's session, handed in per request.
    def total(self, order_id):
        try:
            return self.session.scalar(text("SELECT total FROM orders WHERE id = :i"), {"i": order_id})
        except Exception:
            return None


def order_total(order_id):
    with SessionLocal() as session:
        return OrderRepo(session).total(order_id)
