# A parameter typed as a session whose caller we do not know is tested by the
# code itself (`if not db_session:`): the test says it may be None or empty,
# and the branch that makes a new session owns it.  Reported when that branch
# never releases it; quiet when it does, or when the test is only a guard.
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(bind=create_engine("postgresql+psycopg2://app@db/app"))


def fetch_org_session(slug: str) -> Session:
    return SessionLocal()


def user_middleware(context: dict, db_session: Session, next) -> None:
    if not db_session:
        db_session = fetch_org_session(context["slug"])  # expect: SL103
    context["user"] = db_session.execute(text("SELECT 1")).scalar()
    return next()


def audit(event: str, db: Session) -> None:
    owned = False
    if db is None:
        db = SessionLocal()
        owned = True
    try:
        db.execute(text("INSERT INTO audit (event) VALUES (:e)"), {"e": event})
        db.commit()
    finally:
        if owned:
            db.close()


def guard(db: Session) -> int:
    if not db:
        raise ValueError("a session is required")
    return db.execute(text("SELECT 1")).scalar()


def with_own(db: Session) -> int:
    if db is None:
        with SessionLocal() as own:
            return own.execute(text("SELECT 1")).scalar()
    return db.execute(text("SELECT 1")).scalar()
