"""Database set-up of the example shop: one engine, one session factory, and
the request-scoped session dependency that every endpoint borrows."""
from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

DATABASE_URL = "cockroachdb://shop@localhost:26257/shop?sslmode=verify-full"

engine = create_engine(DATABASE_URL, pool_size=10, pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)


def get_db() -> Iterator[Session]:
    """One session per request: FastAPI runs the code after `yield` when the
    request is done, and `finally` makes sure it runs on errors too."""
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
