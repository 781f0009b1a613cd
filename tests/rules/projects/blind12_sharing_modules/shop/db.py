import os

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(os.environ.get("DATABASE_URL", "postgresql+psycopg2://shop@localhost/shop"))
SessionLocal = sessionmaker(bind=engine)

# made once at import; every caller of shop.stats uses this one session
stats_session = Session(engine)  # expect: SL201


def get_db():
    with SessionLocal() as db:
        yield db
